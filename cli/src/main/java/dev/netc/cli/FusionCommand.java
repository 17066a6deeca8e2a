package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.FusionReport;
import dev.netc.ir.plan.FusionResult;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.train.TrainSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc fusion FILE}: the kernel plan the Java backend would compile (forward, loss and, for a
 * model with a loss, the backward pass), with bytes per step, rejected fusions and peak memory.
 */
@Command(name = "fusion", description = "Print the kernel plan: each kernel, the IR nodes it covers, bytes read"
        + " and written per step, why candidates were not fused, and the peak memory.")
final class FusionCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to plan (default: the file's only or first trained model).") String model;
    @Option(names = "--no-fuse", description = "Every op its own kernel (the unfused baseline).") boolean noFuse;
    @Option(names = "--batch", paramLabel = "N", description = "Batch size for byte counts (default: the train block's, else 1).")
    Integer batch;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        int n = batch != null ? batch : m.train().map(TrainSpec::batch).orElse(1);
        if (n < 1) throw new UserError("error: --batch must be at least 1");
        Graph g = m.graph().output(Graph.LOSS).isPresent() ? Graphs.withGradients(m) : m.graph();
        FusionResult result = noFuse ? new FusionResult(PlanKernels.unfused(g), List.of()) : FuseOps.analyze(g);
        System.out.print(FusionReport.render(m.name() + (noFuse ? " (unfused)" : " (fused)"), result, n));
        return 0;
    }
}
