package dev.netc.cli;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.FusionReport;
import dev.netc.ir.train.TrainSpec;
import java.nio.file.Path;
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
        if (n < 1) throw new CommandError("error: --batch must be at least 1");
        CompileOptions options = m.train().isPresent() ? CompileOptions.training() : CompileOptions.inferenceOnly();
        Compilation c = Pipeline.compile(m, options.fused(!noFuse).atBatch(n));
        System.out.print(FusionReport.render(m.name() + (noFuse ? " (unfused)" : " (fused)"), c));
        return 0;
    }
}
