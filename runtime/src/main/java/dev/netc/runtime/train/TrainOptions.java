package dev.netc.runtime.train;

import dev.netc.ir.train.TrainSpec;
import java.nio.file.Path;
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
 */
public record TrainOptions(int batch, OptionalInt epochs, OptionalInt steps, double learningRate, long seed,
                           Optional<Path> metricsJson, boolean progressBar, OptionalInt logEvery) {

    public TrainOptions {
        Objects.requireNonNull(epochs, "epochs");
        Objects.requireNonNull(steps, "steps");
        Objects.requireNonNull(metricsJson, "metricsJson");
        Objects.requireNonNull(logEvery, "logEvery");
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        if (epochs.isPresent() == steps.isPresent())
            throw new IllegalArgumentException("set exactly one of epochs and steps");
        if (epochs.isPresent() && epochs.getAsInt() <= 0) throw new IllegalArgumentException("epochs must be positive, got " + epochs.getAsInt());
        if (steps.isPresent() && steps.getAsInt() <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps.getAsInt());
        if (!(learningRate >= 0) || !Double.isFinite(learningRate))
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + learningRate);
        if (logEvery.isPresent() && logEvery.getAsInt() <= 0) throw new IllegalArgumentException("logEvery must be positive");
    }

    /** The train block's settings (one epoch when it names neither epochs nor steps), seed 0, progress bar on. */
    public static TrainOptions from(TrainSpec spec) {
        OptionalInt epochs = spec.epochs().isEmpty() && spec.steps().isEmpty() ? OptionalInt.of(1) : spec.epochs();
        return new TrainOptions(spec.batch(), epochs, spec.epochs().isPresent() ? OptionalInt.empty() : spec.steps(),
                spec.optimizer().learningRate(), 0, Optional.empty(), true, OptionalInt.empty());
    }

    public TrainOptions withBatch(int b) { return new TrainOptions(b, epochs, steps, learningRate, seed, metricsJson, progressBar, logEvery); }

    /** Trains for {@code n} epochs (clears steps). */
    public TrainOptions withEpochs(int n) {
        return new TrainOptions(batch, OptionalInt.of(n), OptionalInt.empty(), learningRate, seed, metricsJson, progressBar, logEvery);
    }

    /** Trains for {@code n} steps (clears epochs). */
    public TrainOptions withSteps(int n) {
        return new TrainOptions(batch, OptionalInt.empty(), OptionalInt.of(n), learningRate, seed, metricsJson, progressBar, logEvery);
    }

    public TrainOptions withLearningRate(double lr) { return new TrainOptions(batch, epochs, steps, lr, seed, metricsJson, progressBar, logEvery); }

    public TrainOptions withSeed(long s) { return new TrainOptions(batch, epochs, steps, learningRate, s, metricsJson, progressBar, logEvery); }

    public TrainOptions withMetricsJson(Path file) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, Optional.of(file), progressBar, logEvery);
    }

    public TrainOptions withProgressBar(boolean on) { return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, on, logEvery); }

    public TrainOptions withLogEvery(int n) {
        return new TrainOptions(batch, epochs, steps, learningRate, seed, metricsJson, progressBar, OptionalInt.of(n));
    }
}
