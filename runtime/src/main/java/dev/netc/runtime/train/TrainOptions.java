package dev.netc.runtime.train;

import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How to run one training: exactly one of {@code epochs} and {@code steps} is set.
 *
 * @param batch        examples per training step
 * @param epochs       full passes over the training split (the last incomplete batch of each is dropped)
 * @param steps        optimizer steps, wrapping into new (reshuffled) epochs as needed
 * @param learningRate passed to {@code update} every step (the generated optimizer applies any decay)
 * @param seed         seeds batch shuffling and dropout (parameter initialisation takes its own seed)
 * @param metricsJson  where to write the metrics history as JSON, updated after every epoch or log interval
 * @param progressBar  show a progress bar on stderr when it is a terminal
 * @param logEvery     in step mode, steps between log lines (default: about ten lines in all)
 * @param checkpoint   where to save a checkpoint (safetensors) after every epoch or log interval and at the end
 * @param modelName    the model's name, recorded in checkpoints
 * @param resume       a checkpoint to continue from: its parameters, optimizer state and step; epochs and
 *                     steps still count the whole run, so the result equals an uninterrupted run's
 * @param plot         where to draw the loss and accuracy curves (PNG), updated like the metrics file
 * @param settings     further facts the results depend on that only the caller knows (e.g. "backend" -> "java",
 *                     "fusion" -> "on"); recorded in checkpoints and checked on resume like the others
 * @param allowChangedRun resume even when the checkpoint was trained with other settings, model or data (each
 *                     change is reported); without it such a resume is refused
 */
public record TrainOptions(int batch, OptionalInt epochs, OptionalInt steps, double learningRate, long seed,
                           Optional<Path> metricsJson, boolean progressBar, OptionalInt logEvery,
                           Optional<Path> checkpoint, String modelName, Optional<Checkpoint> resume, Optional<Path> plot,
                           Map<String, String> settings, boolean allowChangedRun) {

    public TrainOptions {
        Objects.requireNonNull(epochs, "epochs");
        Objects.requireNonNull(steps, "steps");
        Objects.requireNonNull(metricsJson, "metricsJson");
        Objects.requireNonNull(logEvery, "logEvery");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(resume, "resume");
        Objects.requireNonNull(plot, "plot");
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        if (epochs.isPresent() == steps.isPresent())
            throw new IllegalArgumentException("set exactly one of epochs and steps");
        if (epochs.isPresent() && epochs.getAsInt() <= 0) throw new IllegalArgumentException("epochs must be positive, got " + epochs.getAsInt());
        if (steps.isPresent() && steps.getAsInt() <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps.getAsInt());
        if (!(learningRate >= 0) || !Double.isFinite(learningRate))
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + learningRate);
        if (logEvery.isPresent() && logEvery.getAsInt() <= 0) throw new IllegalArgumentException("logEvery must be positive");
    }

    /** Options without checkpoints, resume or plot (model name "model"). */
    public TrainOptions(int batch, OptionalInt epochs, OptionalInt steps, double learningRate, long seed,
                        Optional<Path> metricsJson, boolean progressBar, OptionalInt logEvery) {
        this(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, Optional.empty(), "model",
                Optional.empty(), Optional.empty(), Map.of(), false);
    }

    /** The train block's settings (one epoch when it names neither epochs nor steps), seed 0, progress bar on. */
    public static TrainOptions from(TrainSpec spec) {
        OptionalInt epochs = spec.epochs().isEmpty() && spec.steps().isEmpty() ? OptionalInt.of(1) : spec.epochs();
        return new TrainOptions(spec.batch(), epochs, spec.epochs().isPresent() ? OptionalInt.empty() : spec.steps(),
                spec.optimizer().learningRate(), 0, Optional.empty(), true, OptionalInt.empty());
    }

    public TrainOptions withBatch(int b) {
        return new TrainOptions(b, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    /** Trains for {@code n} epochs (clears steps). */
    public TrainOptions withEpochs(int n) {
        return new TrainOptions(batch, OptionalInt.of(n), OptionalInt.empty(), learningRate, seed, metricsJson, progressBar, logEvery,
                checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    /** Trains for {@code n} steps (clears epochs). */
    public TrainOptions withSteps(int n) {
        return new TrainOptions(batch, OptionalInt.empty(), OptionalInt.of(n), learningRate, seed, metricsJson, progressBar, logEvery,
                checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    public TrainOptions withLearningRate(double lr) {
        return new TrainOptions(batch, epochs, steps, lr, seed, metricsJson, progressBar, logEvery, checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(batch, epochs, steps, learningRate, s, metricsJson, progressBar, logEvery, checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    public TrainOptions withMetricsJson(Path file) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, Optional.of(file), progressBar, logEvery, checkpoint, modelName,
                resume, plot, settings, allowChangedRun);
    }

    public TrainOptions withProgressBar(boolean on) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, on, logEvery, checkpoint, modelName, resume, plot, settings, allowChangedRun);
    }

    public TrainOptions withLogEvery(int n) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, OptionalInt.of(n), checkpoint, modelName,
                resume, plot, settings, allowChangedRun);
    }

    /** Saves a checkpoint of model {@code name} to {@code file} after every epoch or log interval and at the end. */
    public TrainOptions withCheckpoint(Path file, String name) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, Optional.of(file), name,
                resume, plot, settings, allowChangedRun);
    }

    /** Continues from {@code from}: the model's parameters and optimizer state are replaced by the checkpoint's. */
    public TrainOptions withResume(Checkpoint from) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, checkpoint, modelName,
                Optional.of(from), plot, settings, allowChangedRun);
    }

    /** Records a fact the results depend on (see {@link #settings}). */
    public TrainOptions withSetting(String key, String value) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put(key, value);
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, checkpoint, modelName,
                resume, plot, s, allowChangedRun);
    }

    /** Resumes even a run whose settings, model or data changed (see {@link #allowChangedRun}). */
    public TrainOptions withAllowChangedRun(boolean allow) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, checkpoint, modelName,
                resume, plot, settings, allow);
    }

    /** Draws the loss and accuracy curves to {@code png}. */
    public TrainOptions withPlot(Path png) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery, checkpoint, modelName,
                resume, Optional.of(png), settings, allowChangedRun);
    }
}
