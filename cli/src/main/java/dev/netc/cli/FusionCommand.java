package dev.netc.cli;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaKernelReport;
import dev.netc.codegen.cuda.GemmTiling;
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
 * model with a loss, the backward pass), with bytes per step, rejected fusions and peak memory; with
 * {@code --target cuda} the CUDA program's launches instead (see {@link CudaKernelReport}).
 */
@Command(name = "fusion", description = "Print the kernel plan: each kernel, the IR nodes it covers, bytes read"
        + " and written per step, why candidates were not fused, and the peak memory.")
final class FusionCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to plan (default: the file's only or first trained model).") String model;
    @Option(names = "--no-fuse", description = "Every op its own kernel (the unfused baseline).") boolean noFuse;
    @Option(names = "--batch", paramLabel = "N", description = "Batch size for byte counts (default: the train block's, else 1).")
    Integer batch;
    @Option(names = "--target", defaultValue = "java", description = "java (default: the kernel plan) or cuda (the CUDA launches:"
            + " grid, threads, shared memory, GEMM tile and split-K, FLOPs, bytes and the roofline bound on --gpu).") String target;
    @Option(names = "--gpu", defaultValue = "h100", paramLabel = "NAME", description = "With --target cuda: the GPU whose datasheet "
            + "peaks decide compute- or memory-bound: h100 (default), h200 or a100.") String gpu;
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32", description = Precision.DESCRIPTION) String precision;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        int n = batch != null ? batch : m.train().map(TrainSpec::batch).orElse(1);
        if (n < 1) throw new CommandError("error: --batch must be at least 1");
        CompileOptions options = m.train().isPresent() ? CompileOptions.training() : CompileOptions.inferenceOnly();
        if (!target.equals("java") && !target.equals("cuda"))
            throw new CommandError("error: unknown target '" + target + "' (available: java, cuda)");
        GemmTiling.Precision gemmPrecision = Precision.forBackend(precision, target);
        Compilation c = Pipeline.compile(m, options.fused(!noFuse).atBatch(n));
        String title = m.name() + (noFuse ? " (unfused)" : " (fused)");
        if (target.equals("cuda")) {
            CudaKernelReport.Gpu device;
            try {
                device = CudaKernelReport.Gpu.named(gpu);
            } catch (IllegalArgumentException e) {
                throw new CommandError("error: --gpu: " + e.getMessage());
            }
            System.out.print(CudaKernelReport.render(title, c, CudaCodegen.generate(c, m.name(), gemmPrecision), device, n));
            return 0;
        }
        System.out.print(FusionReport.render(title, c));
        return 0;
    }
}
