package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.distributed.CommunicationReport;
import dev.netc.runtime.distributed.DataParallel;
import dev.netc.runtime.plot.TrainingPlot;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The training loop: shuffled batches in, {@code forward(true)}, finite-loss check, {@code backward()},
 * {@code update(lr, step)}. Parameters must already be initialised ({@link ParameterInitializer}) or
 * loaded. Prints one line per epoch (or per log interval in step mode) to {@code out}; the last line
 * printed is {@code test_accuracy=0.NNNN test_loss=N.NNNN} when there is a test split (without the
 * accuracy when the model has no class scores), else {@code train_loss=N.NNNN train_accuracy=0.NNNN}.
 * A progress bar, when wanted, goes to stderr and only on a terminal.
 *
 * <p>Every step is a pure function of (seed, step): step s of epoch e sees batch {@code (s - 1) mod
 * stepsPerEpoch} of epoch e's shuffle, and dropout is reseeded with {@code derive(seed, step)} before
 * it. So a run resumed from a checkpoint ({@link TrainOptions#resume}) ends bit-for-bit where the
 * uninterrupted run would. With {@link TrainOptions#checkpoint} a checkpoint is saved at every log
 * line (never with non-finite parameters); with {@link TrainOptions#plot} the curves are redrawn there.
 *
 * <p>Data-parallel ({@link DataParallel} over several ranks): the options' batch is the global batch; rank r
 * takes the r-th of its equal slices, so the ranks together see exactly the batches one process would,
 * in the same order. Gradients are averaged over the ranks between {@code backward()} and
 * {@code update()}; loss and accuracy are the global batch's. Rank 0 alone evaluates on the test split;
 * what it prints and writes is up to the caller's options and stream.
 */
public final class Trainer {
    /** Log lines in step mode when the options do not say how often. */
    static final int DEFAULT_LOG_LINES = 10;

    private Trainer() {}

    /**
     * Trains {@code model} (whose graph is {@code graph}) on {@code data.train()}, evaluating on the
     * test split after every epoch (epoch mode) or at the end (step mode).
     *
     * @throws TrainingSetupException     when the model, options and data do not fit together
     * @throws TrainingDivergedException  when the loss stops being finite
     * @throws dev.netc.runtime.checkpoint.CheckpointException when the checkpoint to resume from does not
     *                                     fit the model, or a checkpoint cannot be written
     */
    public static TrainResult train(GeneratedModel model, Graph graph, TrainSpec spec, DatasetSplits data,
                                    TrainOptions options, PrintStream out) {
        try (DataParallel single = DataParallel.single()) {
            return train(model, graph, spec, data, options, out, single);
        }
    }

    /**
     * Trains as one rank of {@code group}: each step on this rank's slice of the global batch ({@code options.batch()}),
     * with gradients averaged over the group before each update.
     *
     * @throws dev.netc.runtime.distributed.DistributedUnavailableException when the ranks do not run the same training
     */
    public static TrainResult train(GeneratedModel model, Graph graph, TrainSpec spec, DatasetSplits data,
                                    TrainOptions options, PrintStream out, DataParallel group) {
        if (options.batch() % group.size() != 0)
            throw new TrainingSetupException("the global batch " + options.batch() + " does not split evenly over " + group.size() + " ranks");
        int rankBatch = group.rankBatch(options.batch());
        ModelBinding binding = ModelBinding.resolve(graph, spec);
        Dataset train = data.train();
        BatchSampler sampler = new BatchSampler(train, binding, options.batch(), options.seed());
        data.test().ifPresent(binding::check);
        int stepsPerEpoch = sampler.stepsPerEpoch();
        boolean epochMode = options.epochs().isPresent();
        int totalSteps = epochMode ? totalSteps(options.epochs().getAsInt(), stepsPerEpoch) : totalSteps(options.steps().getAsInt());
        int epochs = Math.ceilDiv(totalSteps, stepsPerEpoch);
        int logEvery = epochMode ? stepsPerEpoch
                : Math.min(totalSteps, options.logEvery().orElse(Math.max(1, Math.ceilDiv(totalSteps, DEFAULT_LOG_LINES))));
        MetricsJson.Run run = new MetricsJson.Run(epochMode ? "epochs" : "steps", options.batch(), options.learningRate(),
                options.seed(), stepsPerEpoch, totalSteps, train.name(), train.size(), data.test().map(Dataset::name));

        RunCheckpoints.Identity identity = options.checkpoint().isPresent() || options.resume().isPresent()
                ? RunCheckpoints.Identity.of(graph, spec, train, options) : null;
        Optional<RunCheckpoints> checkpoints = RunCheckpoints.of(options, graph, identity);
        RunCheckpoints.Start resumed = RunCheckpoints.resume(model, graph, options, totalSteps, identity);
        long dropoutSeed = Seeds.derive(options.seed(), "dropout");
        model.setBatch(rankBatch);
        java.util.SequencedMap<String, Long> facts = new java.util.LinkedHashMap<>();  // in the same order on every rank
        facts.put("total steps", (long) totalSteps);
        facts.put("first step", (long) firstStepOf(resumed));
        facts.put("global batch", (long) options.batch());
        facts.put("training examples", (long) train.size());
        facts.put("seed", options.seed());
        group.start(model, graph, facts);
        long start = System.nanoTime();
        List<HistoryEntry> history = new ArrayList<>(resumed.history());
        Interval interval = new Interval();
        long trainNanos = 0;
        double firstLoss = resumed.firstLoss(), lastLoss = Double.NaN;
        int firstStep = resumed.completedSteps() + 1;
        if (firstStep > 1)
            out.println("resumed from " + options.resume().get().label() + " at step " + resumed.completedSteps() + " of " + totalSteps);
        resumed.notes().forEach(out::println);
        Optional<Evaluation> finalTest = Optional.empty();
        try (ProgressDisplay progress = ProgressDisplay.create(options.progressBar())) {
            for (int step = firstStep; step <= totalSteps; step++) {
                int epochIndex = (step - 1) / stepsPerEpoch;
                if (interval.steps == 0)
                    progress.start(epochMode ? "epoch " + (epochIndex + 1) + "/" + epochs : "steps " + step + "-"
                            + Math.min(totalSteps, step + logEvery - 1), Math.min(logEvery - (step - 1) % logEvery, totalSteps - step + 1));
                long t0 = System.nanoTime();
                int[] labels = sampler.fill(model, epochIndex, (step - 1) % stepsPerEpoch, group.rank(), group.size());
                long stepSeed = Seeds.derive(dropoutSeed, step);
                // each rank its own dropout masks; rank 0 keeps the single-process stream
                model.setSeed(group.rank() == 0 ? stepSeed : Seeds.derive(stepSeed, group.rank()));
                model.forward(true);
                long correct = binding.measuresAccuracy(data.train()) ? Evaluator.correct(model.floatBuffer(binding.scoresOutput().get()),
                        binding.scoreClasses(), labels, 0, labels.length) : 0;
                // one process: the loss is known now, so a model may update as it computes the gradients (reading
                // none in between); several: the gradients become their mean over the ranks between the two
                boolean alone = group.size() == 1;
                if (!alone) model.backward();
                // the global batch's loss and correct count
                DataParallel.StepTotals totals = group.averageGradients(model, model.floatBuffer(Graph.LOSS)[0], correct);
                float loss = totals.loss();
                if (!Float.isFinite(loss)) {
                    TrainingDivergedException plain = new TrainingDivergedException(loss, step, epochIndex + 1);
                    TrainingDivergedException diverged = new TrainingDivergedException(
                            plain.getMessage() + checkpoints.map(RunCheckpoints::keptNote).orElse(""), loss, step, epochIndex + 1);
                    options.metricsJson().ifPresent(f -> MetricsJson.write(f, run, history, Optional.empty(), Optional.of(diverged.getMessage())));
                    throw diverged;
                }
                interval.correct += totals.correct();
                if (alone) model.backwardAndUpdate((float) options.learningRate(), step);
                else model.update((float) options.learningRate(), step);
                long nanos = System.nanoTime() - t0;
                trainNanos += nanos;
                interval.add(loss, nanos);
                if (step == 1) firstLoss = loss;
                lastLoss = loss;
                progress.step(String.format(Locale.ROOT, "loss=%.4f %s img/s", interval.meanLoss(),
                        thousands(interval.imagesPerSecond(options.batch()))));

                if (step % logEvery != 0 && step != totalSteps) continue;
                progress.end();
                Optional<Evaluation> test = Optional.empty();
                if (data.test().isPresent() && (epochMode || step == totalSteps) && group.leader())
                    test = Optional.of(Evaluator.evaluate(model, binding, data.test().get()));
                OptionalDouble accuracy = binding.measuresAccuracy(data.train())
                        ? OptionalDouble.of((double) interval.correct / ((long) interval.steps * options.batch())) : OptionalDouble.empty();
                HistoryEntry entry = new HistoryEntry(epochIndex + 1, step, interval.meanLoss(), accuracy, test,
                        interval.nanos / 1e9, interval.imagesPerSecond(options.batch()));
                history.add(entry);
                out.println(logLine(entry, epochMode ? "epoch " + entry.epoch() + "/" + epochs : "step " + step + "/" + totalSteps));
                out.flush();
                finalTest = test;
                if (checkpoints.isPresent()) checkpoints.get().save(model, graph, step, epochIndex + 1, history, firstLoss);
                if (step != totalSteps)
                    options.metricsJson().ifPresent(f -> MetricsJson.write(f, run, history, Optional.empty(), Optional.empty()));
                options.plot().ifPresent(f -> TrainingPlot.write(f, history));
                interval = new Interval();
            }
        }
        double wallSeconds = (System.nanoTime() - start) / 1e9;
        double imagesPerSecond = (double) (totalSteps - firstStep + 1) * options.batch() / Math.max(1e-9, trainNanos / 1e9);
        TrainResult result = new TrainResult(history, finalTest, firstLoss, lastLoss, totalSteps, wallSeconds, imagesPerSecond);
        Optional<CommunicationReport> communication = group.size() > 1
                ? Optional.of(group.report(options.batch(), trainNanos / 1e9)) : Optional.empty();
        options.metricsJson().ifPresent(f -> MetricsJson.write(f, run, history, Optional.of(result), Optional.empty(), communication));
        communication.ifPresent(c -> out.println(c.line()));
        out.println(finalLine(result));
        out.flush();
        return result;
    }

    private static int firstStepOf(RunCheckpoints.Start resumed) { return resumed.completedSteps() + 1; }

    /** The most optimizer steps one run can count (the step is an int in the generated update). */
    static final int MAX_STEPS = Integer.MAX_VALUE - 1;

    /** Epochs times steps per epoch, when that is a step count netc can run. */
    static int totalSteps(int epochs, int stepsPerEpoch) {
        long total = (long) epochs * stepsPerEpoch;
        if (total > MAX_STEPS)
            throw new TrainingSetupException(String.format(Locale.US,
                    "%,d epochs of %,d steps each are %,d steps, more than a run can count (%,d); train for fewer epochs",
                    epochs, stepsPerEpoch, total, MAX_STEPS));
        return (int) total;
    }

    private static int totalSteps(int steps) {
        if (steps > MAX_STEPS)
            throw new TrainingSetupException(String.format(Locale.US, "%,d steps are more than a run can count (%,d)", steps, MAX_STEPS));
        return steps;
    }

    /** E.g. {@code epoch 2/3  loss=0.2931  accuracy=0.9170  test_loss=0.2812 test_accuracy=0.9212  (12.3 s, 4,870 img/s)}. */
    static String logLine(HistoryEntry e, String label) {
        StringBuilder line = new StringBuilder(label);
        line.append(String.format(Locale.ROOT, "  loss=%.4f", e.trainLoss()));
        e.trainAccuracy().ifPresent(a -> line.append(String.format(Locale.ROOT, "  accuracy=%.4f", a)));
        e.test().ifPresent(t -> {
            line.append(String.format(Locale.ROOT, "  test_loss=%.4f", t.loss()));
            t.accuracy().ifPresent(a -> line.append(String.format(Locale.ROOT, " test_accuracy=%.4f", a)));
        });
        line.append(String.format(Locale.ROOT, "  (%.1f s, %s img/s)", e.seconds(), thousands(e.imagesPerSecond())));
        return line.toString();
    }

    /** The machine-readable last line: test metrics when there is a test split, else the last training metrics. */
    static String finalLine(TrainResult r) {
        if (r.test().isPresent()) return r.test().get().line("test");
        HistoryEntry last = r.history().getLast();
        String loss = String.format(Locale.ROOT, "train_loss=%.4f", last.trainLoss());
        return last.trainAccuracy().isPresent()
                ? loss + String.format(Locale.ROOT, " train_accuracy=%.4f", last.trainAccuracy().getAsDouble()) : loss;
    }

    private static String thousands(double value) {
        return String.format(Locale.US, "%,d", Math.round(value));
    }

    /** Running sums over the steps since the last log line. */
    private static final class Interval {
        int steps;
        double lossSum;
        long correct;
        long nanos;

        void add(float loss, long stepNanos) {
            steps++;
            lossSum += loss;
            nanos += stepNanos;
        }

        double meanLoss() { return lossSum / steps; }

        double imagesPerSecond(int batch) { return nanos == 0 ? 0 : (double) steps * batch / (nanos / 1e9); }
    }
}
