package dev.netc.cli;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.plan.Compilation;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.cuda.CudaBackend;
import dev.netc.runtime.cuda.CudaUnavailableException;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.train.Evaluation;
import dev.netc.runtime.train.Evaluator;
import dev.netc.runtime.train.MemoryBudget;
import dev.netc.runtime.train.TrainingSetupException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc eval FILE --weights CKPT}: loads a checkpoint's weights into the model and prints
 * {@code test_accuracy=0.NNNN test_loss=N.NNNN} over the test split of the train block's dataset.
 * Weights that do not fit the model (a missing tensor, another shape or dtype) and damaged files are
 * user errors (exit 2) naming the tensor.
 */
@Command(name = "eval", description = "Evaluate a checkpoint's weights on the test split of the model's dataset.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The .net file.") Path file;
    @Option(names = "--weights", paramLabel = "CKPT", required = true, description = "A safetensors checkpoint (netc train --save).")
    Path weights;
    @Option(names = "--model", description = "Model to evaluate (default: the file's only or first trained model).") String model;
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (MNIST idx files, CIFAR-10 batches, CSV files).")
    Path dataDir;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + Evaluator.MAX_BATCH,
            description = "Examples per forward pass (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--no-fuse", description = "Compile every op as its own kernel.") boolean noFuse;
    @Option(names = "--backend", defaultValue = "java", description = "java (default) or cuda.") String backend;
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32", description = Precision.DESCRIPTION) String precision;

    @Override public Integer call() {
        if (batch < 1) throw new CommandError("error: --batch must be at least 1");
        TrainCommand.checkBackend(backend);
        GemmTiling.Precision gemmPrecision = Precision.forBackend(precision, backend);
        CheckedModel m = ModelLoader.load(file, model);
        TrainSpec spec = m.train().orElseThrow(() -> new CommandError(file + ": error: model '" + m.name()
                + "' has no train block, so netc does not know its loss, labels or dataset"));
        if (spec.dataset().isEmpty())
            throw new CommandError(file + ": error: the train block of '" + m.name() + "' names no dataset (add `dataset = ...`)");
        Checkpoint checkpoint = TrainCommand.loadCheckpoint(weights);
        DatasetSplits data = TrainCommand.loadData(spec, file, dataDir);
        Dataset test = data.test().orElseThrow(() -> new CommandError("error: dataset " + data.train().name()
                + " has no test split to evaluate on (for csv, give test=\"FILE.csv\" or test_fraction)"));
        Graph graph = m.graph();
        Evaluation result;
        try {
            Compilation compilation = Pipeline.compile(m, CompileOptions.inferenceOnly().fused(!noFuse));
            MemoryBudget.checkInference(compilation, Math.min(batch, test.size()), data);
            GeneratedModel compiled = compile(compilation, m.name(), gemmPrecision);
            try {
                TrainCommand.guard(() -> {
                    Checkpoints.restore(checkpoint, compiled, graph, false);
                    return checkpoint;
                });
                result = Evaluator.evaluate(compiled, graph, spec, test, batch);
            } finally {
                if (compiled instanceof AutoCloseable device) close(device);
            }
        } catch (TrainingSetupException e) {
            throw new CommandError("error: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new CommandError("error: " + MemoryBudget.outOfMemory(Math.min(batch, test.size())));
        }
        System.out.println(result.line("test"));
        if (!Double.isFinite(result.loss()))
            throw new CommandError("error: " + weights + ": the test loss is " + result.loss()
                    + " with these weights (a diverged run's parameters?)");
        return 0;
    }

    /** The inference model on the chosen backend; a machine that cannot run CUDA is a user error, not a crash. */
    private GeneratedModel compile(Compilation compilation, String name, GemmTiling.Precision gemmPrecision) {
        if (!backend.equals("cuda")) return JavaBackend.compile(compilation, name);
        try {
            return CudaBackend.compile(compilation, name, 0, gemmPrecision);
        } catch (CudaUnavailableException e) {
            throw new CommandError("error: --backend cuda: " + e.getMessage());
        }
    }

    /** Frees the device memory of a CUDA model. */
    private static void close(AutoCloseable device) {
        try {
            device.close();
        } catch (Exception e) {
            throw new CommandError("error: --backend cuda: releasing the model failed: " + e.getMessage());
        }
    }
}
