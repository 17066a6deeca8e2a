package dev.netc.cli;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.TrainSpec;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.CheckpointException;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.checkpoint.TrainingState;
import dev.netc.runtime.cuda.CudaAvailability;
import dev.netc.runtime.cuda.CudaBackend;
import dev.netc.runtime.cuda.CudaUnavailableException;
import dev.netc.runtime.data.DataException;
import dev.netc.runtime.data.DatasetRegistry;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.distributed.DataParallel;
import dev.netc.runtime.distributed.DistributedUnavailableException;
import dev.netc.runtime.io.OutputFiles;
import dev.netc.runtime.train.MemoryBudget;
import dev.netc.runtime.train.ParameterInitializer;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.Trainer;
import dev.netc.runtime.train.TrainingDivergedException;
import dev.netc.runtime.train.TrainingSetupException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc train FILE}: compiles the model, loads its dataset and trains it. Exit 2 on every user
 * error: bad flags, missing or corrupt data, a checkpoint that does not fit, a diverging loss.
 */
@Command(name = "train", description = "Compile a model and train it as its train block says; flags override the block.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to train (default: the file's only or first trained model).") String model;
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (MNIST idx files, CIFAR-10 batches, CSV files).")
    Path dataDir;
    @ArgGroup(exclusive = true) Length length;
    @Option(names = "--batch", paramLabel = "N", description = "Examples per step (default: the train block's; on --resume the checkpoint's).")
    Integer batch;
    @Option(names = "--lr", paramLabel = "X", description = "Learning rate.") Double lr;
    @Option(names = "--seed", paramLabel = "N", description = "Seeds initialisation, shuffling and dropout (default 0; on --resume the "
            + "checkpoint's).") Long seed;
    @Option(names = "--backend", defaultValue = "java", description = "java (default) or cuda.") String backend;
    @Option(names = "--metrics", paramLabel = "FILE.json", description = "Write the loss/accuracy history as JSON.") Path metrics;
    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw the loss and accuracy curves as a PNG.") Path plot;
    @Option(names = "--save", paramLabel = "FILE", description = "Save a checkpoint (safetensors) after every epoch or log interval, "
            + "atomically; a diverging run keeps the last good one.") Path save;
    @Option(names = "--resume", paramLabel = "FILE", description = "Continue the run a checkpoint was saved from; --epochs/--steps "
            + "count the whole run.") Path resume;
    @Option(names = "--weights", paramLabel = "CKPT", description = "Start from these weights (a safetensors file: netc import, "
            + "netc train --save) instead of the seeded initialisation; not with --resume.") Path weights;
    @Option(names = "--log-every", paramLabel = "N", description = "With --steps: steps between log lines (and checkpoints); "
            + "an error in epoch mode, which logs once per epoch.")
    Integer logEvery;
    @Option(names = "--no-fuse", description = "Compile every op as its own kernel.") boolean noFuse;
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32", description = Precision.DESCRIPTION) String precision;
    @Option(names = "--no-progress", description = "No progress bar.") boolean noProgress;
    @Option(names = "--allow-changed-run", description = "With --resume: continue even though the model, optimizer, learning rate, "
            + "dataset, data, seed, batch or backend differ from the checkpoint's (each change is reported); without it such a "
            + "resume is refused.") boolean allowChangedRun;

    @Option(names = "--distributed", description = "Data-parallel training as one process of an Open MPI job: "
            + "mpirun -np N ./netc train FILE --distributed. Each rank trains on its slice of every global batch (--batch per "
            + "rank, global batch N x batch); gradients are averaged before every update; rank 0 alone logs and writes files.")
    boolean distributed;
    @Option(names = "--global-batch", paramLabel = "N", description = "With --distributed: examples per step over all ranks "
            + "(instead of --batch per rank); must split evenly over the ranks.") Integer globalBatch;
    @Option(names = "--scale-lr", paramLabel = "RULE", description = "With --distributed: none (default) or linear "
            + "(Horovod's rule: the learning rate times the number of ranks).") String scaleLr;
    @Option(names = "--bucket-mb", paramLabel = "MiB", description = "With --distributed: gradients are allreduced in buckets "
            + "of at most this many MiB (default 4; Horovod's tensor fusion).") Double bucketMb;

    static final class Length {
        @Option(names = "--epochs", paramLabel = "N") Integer epochs;
        @Option(names = "--steps", paramLabel = "N") Integer steps;
    }

    @Override public Integer call() {
        if (!distributed) {
            for (var flag : new Object[][] {{"--global-batch", globalBatch}, {"--scale-lr", scaleLr}, {"--bucket-mb", bucketMb}})
                if (flag[1] != null) throw new CommandError("error: " + flag[0] + " applies to --distributed runs only");
            try (DataParallel single = DataParallel.single()) {
                return train(single);
            }
        }
        if (batch != null && globalBatch != null) throw new CommandError("error: give --batch (per rank) or --global-batch, not both");
        if (scaleLr != null && !scaleLr.equals("none") && !scaleLr.equals("linear"))
            throw new CommandError("error: unknown --scale-lr rule '" + scaleLr + "' (available: none, linear)");
        DataParallel group = Distributed.join(backend, bucketMb == null ? DataParallel.DEFAULT_BUCKET_BYTES / (double) (1 << 20) : bucketMb);
        int code;
        try {
            code = train(group);
        } catch (CommandError e) {
            throw Distributed.onRank(group.rank(), e);
        }
        // only after success: a rank that fails exits without finalising, and mpirun ends the others
        group.close();
        group.communicator().close();
        return code;
    }

    private Integer train(DataParallel group) {
        CheckedModel m = ModelLoader.load(file, model);
        TrainSpec spec = m.train().orElseThrow(() ->
                new CommandError(file + ": error: model '" + m.name() + "' has no train block"));
        checkBackend(backend);
        GemmTiling.Precision gemmPrecision = Precision.forBackend(precision, backend);
        if (spec.dataset().isEmpty())
            throw new CommandError(file + ": error: the train block of '" + m.name() + "' names no dataset (add `dataset = ...`)");
        if (weights != null && resume != null)
            throw new CommandError("error: --weights and --resume both give the starting point; use one (--resume continues a run)");
        if (group.leader()) checkOutputs(spec);
        Optional<Checkpoint> initial = Optional.ofNullable(weights).map(TrainCommand::loadCheckpoint);
        Optional<Checkpoint> from = Optional.ofNullable(resume).map(TrainCommand::loadCheckpoint);
        Optional<TrainingState> state = from.map(c -> guard(c::requireState));
        TrainOptions options = options(spec, state, m.name(), group).withSetting("backend", backend).withSetting("fusion", noFuse ? "off" : "on")
                .withAllowChangedRun(allowChangedRun);
        if (from.isPresent()) options = options.withResume(from.get());
        DatasetSplits data = loadData(spec, file, dataDir);
        Compilation compilation = Pipeline.compile(m, CompileOptions.training().fused(!noFuse));
        // the model as differentiation made it: its hash in a checkpoint is the same fused or not, and
        // its inputs, outputs and parameters (all the trainer reads, by name) are the plan's
        Graph graph = compilation.model();
        if (backend.equals("java")) {
            try {
                MemoryBudget.checkTraining(compilation, options.batch() / group.size(), data);
            } catch (TrainingSetupException e) {
                throw new CommandError("error: " + e.getMessage());
            }
        }
        try {
            GeneratedModel compiled = compileFor(backend, compilation, m.name(), group.size() > 1 ? Distributed.gpu() : 0,
                    gemmPrecision);
            ParameterInitializer.initialize(compiled, graph, options.seed());
            if (initial.isPresent()) Checkpoints.restore(initial.get(), compiled, graph, false);
            // ranks other than 0 print nothing (mpirun would interleave every rank's lines)
            Trainer.train(compiled, graph, spec, data, options, group.leader() ? System.out
                    : new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), group);
        } catch (TrainingDivergedException | TrainingSetupException | CheckpointException | DistributedUnavailableException e) {
            throw new CommandError("error: " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new CommandError("error: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new CommandError("error: " + MemoryBudget.outOfMemory(options.batch() / group.size()));
        }
        return 0;
    }

    /**
     * Before any work: every output can be written, no two outputs are one file, and none overwrites
     * the model source, a data file or the checkpoint resumed from (except --save, which may continue
     * the --resume checkpoint).
     */
    private void checkOutputs(TrainSpec spec) {
        List<OutputFiles.Output> outputs = new ArrayList<>();
        if (save != null) outputs.add(new OutputFiles.Output("--save", save, Set.of(RESUMED)));
        if (metrics != null) outputs.add(new OutputFiles.Output("--metrics", metrics));
        if (plot != null) outputs.add(new OutputFiles.Output("--plot", plot));
        if (outputs.isEmpty()) return;
        List<OutputFiles.Input> inputs = new ArrayList<>();
        inputs.add(new OutputFiles.Input("the model source", file));
        if (resume != null) inputs.add(new OutputFiles.Input(RESUMED, resume));
        if (weights != null) inputs.add(new OutputFiles.Input("the --weights file", weights));
        Path base = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of(""));
        for (Path p : DatasetRegistry.inputFiles(spec.dataset().orElseThrow(), Optional.ofNullable(dataDir), base))
            inputs.add(new OutputFiles.Input("the data file", p));
        Outputs.check(outputs, inputs);
    }

    private static final String RESUMED = "the --resume checkpoint";

    /** The model compiled for the chosen backend; a machine that cannot run CUDA is a user error, not a crash. */
    private static GeneratedModel compileFor(String backend, Compilation compilation, String name, int gpu,
                                             GemmTiling.Precision precision) {
        if (!backend.equals("cuda")) return JavaBackend.compile(compilation, name);
        try {
            return CudaBackend.compile(compilation, name, gpu, precision);
        } catch (CudaUnavailableException e) {
            throw new CommandError("error: --backend cuda: " + e.getMessage());
        }
    }

    /** {@code --backend}: java, or cuda when this machine can run it. */
    static void checkBackend(String backend) {
        switch (backend) {
            case "java" -> { }
            case "cuda" -> {
                Optional<String> problem = CudaAvailability.problem();
                if (problem.isPresent()) throw new CommandError("error: --backend cuda: " + problem.get());
            }
            default -> throw new CommandError("error: unknown backend '" + backend + "' (available: java, cuda)");
        }
    }

    /** The train block's dataset; relative paths are resolved against --data DIR, else the .net file's directory. */
    static DatasetSplits loadData(TrainSpec spec, Path netFile, Path dataDir) {
        Path base = Optional.ofNullable(netFile.toAbsolutePath().getParent()).orElse(Path.of(""));
        try {
            return DatasetRegistry.load(spec.dataset().orElseThrow(), Optional.ofNullable(dataDir), base);
        } catch (DataException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }

    static Checkpoint loadCheckpoint(Path path) {
        return guard(() -> Checkpoints.load(path));
    }

    /** Runs {@code action}, turning a checkpoint problem into a user error. */
    static <T> T guard(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (CheckpointException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }

    /** The run's options; with several ranks the batch is the global one, and ranks other than 0 write no files. */
    private TrainOptions options(TrainSpec spec, Optional<TrainingState> state, String modelName, DataParallel group) {
        int ranks = group.size();
        TrainOptions o = TrainOptions.from(spec).withSeed(seed != null ? seed : state.map(TrainingState::seed).orElse(0L))
                .withProgressBar(!noProgress && group.leader());
        // --batch is per rank; the train block's batch too; a checkpoint records the global batch
        if (ranks > 1 && batch == null && globalBatch == null && state.isEmpty()) o = o.withBatch(Math.multiplyExact(spec.batch(), ranks));
        if (batch == null && state.isPresent()) o = o.withBatch(state.get().batch());
        if (batch != null) {
            if (batch < 1) throw new CommandError("error: --batch must be at least 1");
            o = o.withBatch(Math.multiplyExact(batch, ranks));
        }
        if (globalBatch != null) {
            if (globalBatch < 1) throw new CommandError("error: --global-batch must be at least 1");
            o = o.withBatch(globalBatch);
        }
        if (o.batch() % ranks != 0)
            throw new CommandError("error: the global batch " + o.batch() + (globalBatch != null ? " (--global-batch)" : " (the checkpoint's)")
                    + " does not split evenly over " + ranks + " ranks");
        if (length != null && length.epochs != null) {
            if (length.epochs < 1) throw new CommandError("error: --epochs must be at least 1");
            o = o.withEpochs(length.epochs);
        }
        if (length != null && length.steps != null) {
            if (length.steps < 1) throw new CommandError("error: --steps must be at least 1");
            o = o.withSteps(length.steps);
        }
        if (lr != null) {
            if (!(lr > 0) || !Double.isFinite(lr)) throw new CommandError("error: --lr must be a positive number");
            o = o.withLearningRate(lr);
        }
        // Horovod's rule: N ranks at the same per-rank batch take N times the examples per step
        if ("linear".equals(scaleLr)) o = o.withLearningRate(o.learningRate() * ranks);
        if (logEvery != null) {
            if (logEvery < 1) throw new CommandError("error: --log-every must be at least 1");
            if (o.epochs().isPresent())
                throw new CommandError("error: --log-every applies to runs counted in steps (--steps N, or steps = N in the train block); "
                        + "this run counts epochs" + (length != null && length.epochs != null ? " (--epochs)" : spec.epochs().isPresent()
                        ? " (epochs = " + spec.epochs().getAsInt() + " in the train block)" : "") + " and logs once per epoch");
            o = o.withLogEvery(logEvery);
        }
        if (!group.leader()) return o;
        if (metrics != null) o = o.withMetricsJson(metrics);
        if (plot != null) o = o.withPlot(plot);
        if (save != null) o = o.withCheckpoint(save, modelName);
        return o;
    }
}
