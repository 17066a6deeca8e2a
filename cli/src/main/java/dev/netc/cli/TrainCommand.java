package dev.netc.cli;

import dev.netc.codegen.java.GeneratedModel;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.data.DataException;
import dev.netc.runtime.data.DatasetRegistry;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.train.ParameterInitializer;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.Trainer;
import dev.netc.runtime.train.TrainingDivergedException;
import dev.netc.runtime.train.TrainingSetupException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "train", description = "Compile a model and train it as its train block says; flags override the block.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to train (default: the file's only or first trained model).") String model;
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (MNIST idx files).") Path dataDir;
    @ArgGroup(exclusive = true) Length length;
    @Option(names = "--batch", paramLabel = "N") Integer batch;
    @Option(names = "--lr", paramLabel = "X", description = "Learning rate.") Double lr;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "0") long seed;
    @Option(names = "--backend", defaultValue = "java", description = "java (default).") String backend;
    @Option(names = "--metrics", paramLabel = "FILE.json", description = "Write the loss/accuracy history as JSON.") Path metrics;
    @Option(names = "--no-fuse", description = "Compile every op as its own kernel.") boolean noFuse;
    @Option(names = "--no-progress", description = "No progress bar.") boolean noProgress;

    static final class Length {
        @Option(names = "--epochs", paramLabel = "N") Integer epochs;
        @Option(names = "--steps", paramLabel = "N") Integer steps;
    }

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        TrainSpec spec = m.train().orElseThrow(() ->
                new UserError(file + ": error: model '" + m.name() + "' has no train block"));
        if (!backend.equals("java")) throw new UserError("error: unknown backend '" + backend + "' (available: java)");
        TrainOptions options = options(spec);
        if (spec.dataset().isEmpty())
            throw new UserError(file + ": error: the train block of '" + m.name() + "' names no dataset (add `dataset = ...`)");
        DatasetSplits data;
        try {
            data = DatasetRegistry.load(spec.dataset().get(), Optional.ofNullable(dataDir));
        } catch (DataException e) {
            throw new UserError("error: " + e.getMessage());
        }
        Graph graph = Graphs.withGradients(m);
        GeneratedModel compiled = JavaBackend.compile(graph, spec.optimizer(), !noFuse, m.name());
        ParameterInitializer.initialize(compiled, graph, seed);
        try {
            Trainer.train(compiled, graph, spec, data, options, System.out);
        } catch (TrainingDivergedException | TrainingSetupException e) {
            throw new UserError("error: " + e.getMessage());
        }
        return 0;
    }

    private TrainOptions options(TrainSpec spec) {
        TrainOptions o = TrainOptions.from(spec).withSeed(seed).withProgressBar(!noProgress);
        if (batch != null) {
            if (batch < 1) throw new UserError("error: --batch must be at least 1");
            o = o.withBatch(batch);
        }
        if (length != null && length.epochs != null) {
            if (length.epochs < 1) throw new UserError("error: --epochs must be at least 1");
            o = o.withEpochs(length.epochs);
        }
        if (length != null && length.steps != null) {
            if (length.steps < 1) throw new UserError("error: --steps must be at least 1");
            o = o.withSteps(length.steps);
        }
        if (lr != null) {
            if (!(lr > 0)) throw new UserError("error: --lr must be positive");
            o = o.withLearningRate(lr);
        }
        if (metrics != null) o = o.withMetricsJson(metrics);
        return o;
    }
}
