package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.data.DatasetSplits;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static final Graph GRAPH = SoftmaxRegressionModel.graph(2, 3, false);
    static final TrainSpec SPEC = SoftmaxRegressionModel.spec(32, List.of("accuracy"));
    static final DatasetSplits DATA = ToyData.splits(1000, 300);

    /** Captures what the trainer prints. */
    static final class Console {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        List<String> lines() { return bytes.toString(StandardCharsets.UTF_8).lines().toList(); }
    }

    static SoftmaxRegressionModel initialised(long seed) {
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        ParameterInitializer.initialize(model, GRAPH, seed);
        return model;
    }

    static TrainOptions options(int epochs) {
        return TrainOptions.from(SPEC).withEpochs(epochs).withLearningRate(0.5).withSeed(7).withProgressBar(false);
    }

    @Test
    void lossFallsAndAccuracyRises() {
        SoftmaxRegressionModel model = initialised(3);
        model.setBatch(32);
        Evaluation before = Evaluator.evaluate(model, GRAPH, SPEC, DATA.test().get());
        TrainResult result = Trainer.train(model, GRAPH, SPEC, DATA, options(5), new Console().out);

        assertEquals(5, result.history().size());
        assertEquals(5 * (1000 / 32), result.steps());
        double finalAccuracy = result.test().orElseThrow().accuracy().orElseThrow();
        assertTrue(result.lastTrainLoss() < result.firstTrainLoss() / 2,
                "last loss " + result.lastTrainLoss() + " vs first " + result.firstTrainLoss());
        assertTrue(result.test().get().loss() < before.loss() / 2, result.test().get().loss() + " vs " + before.loss());
        assertTrue(finalAccuracy > 0.95, "test accuracy " + finalAccuracy);
        assertTrue(finalAccuracy > before.accuracy().orElseThrow());
        assertTrue(result.history().getLast().trainLoss() < result.history().getFirst().trainLoss());
    }

    @Test
    void printsOneLinePerEpochThenTheFinalTestLine() {
        Console console = new Console();
        TrainResult result = Trainer.train(initialised(1), GRAPH, SPEC, DATA, options(3), console.out);
        List<String> lines = console.lines();

        assertEquals(4, lines.size(), String.join("\n", lines));
        for (int e = 1; e <= 3; e++)
            assertTrue(lines.get(e - 1).matches("epoch " + e + "/3  loss=\\d+\\.\\d{4}  accuracy=[01]\\.\\d{4}  "
                    + "test_loss=\\d+\\.\\d{4} test_accuracy=[01]\\.\\d{4}  \\(\\d+\\.\\d s, [\\d,]+ img/s\\)"), lines.get(e - 1));
        Evaluation test = result.test().orElseThrow();
        assertEquals(String.format(Locale.ROOT, "test_accuracy=%.4f test_loss=%.4f", test.accuracy().getAsDouble(), test.loss()),
                lines.getLast());
        assertEquals(result.history().getLast().test(), result.test());
    }

    @Test
    void nanLossNamesTheStepAndEpoch() {
        SoftmaxRegressionModel model = initialised(1);
        model.poisonAtTrainingForward = 40; // 31 steps per epoch, so step 40 is in epoch 2
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> Trainer.train(model, GRAPH, SPEC, DATA, options(3), new Console().out));
        assertEquals("loss became NaN at step 40 (epoch 2)", e.getMessage());
        assertEquals(40, e.step());
        assertEquals(2, e.epoch());
        assertEquals(39, model.updateSteps.size(), "no update after the bad step");
    }

    @Test
    void sameSeedsGiveIdenticalRunsAndOtherSeedsDiffer() {
        SoftmaxRegressionModel a = initialised(5), b = initialised(5), c = initialised(5);
        TrainResult ra = Trainer.train(a, GRAPH, SPEC, DATA, options(2), new Console().out);
        TrainResult rb = Trainer.train(b, GRAPH, SPEC, DATA, options(2), new Console().out);
        Trainer.train(c, GRAPH, SPEC, DATA, options(2).withSeed(8), new Console().out);

        assertArrayEquals(a.w, b.w);
        assertArrayEquals(a.b, b.b);
        assertEquals(ra.history().stream().map(HistoryEntry::trainLoss).toList(), rb.history().stream().map(HistoryEntry::trainLoss).toList());
        assertEquals(ra.test().get().loss(), rb.test().get().loss());
        assertFalse(java.util.Arrays.equals(a.w, c.w), "another shuffle seed must give other weights");
        assertEquals(a.seed, b.seed);
        assertTrue(a.seed != c.seed, "the dropout seed follows the option seed");
    }

    @Test
    void stepModeLogsAtIntervalsAndEvaluatesAtTheEnd() {
        Console console = new Console();
        SoftmaxRegressionModel model = initialised(2);
        TrainResult result = Trainer.train(model, GRAPH, SPEC, DATA, options(1).withSteps(65), console.out);

        assertEquals(IntStream.rangeClosed(1, 65).boxed().toList(), model.updateSteps);
        // ceil(65 / 10) = 7 steps per log line: 7, 14, ..., 63, then 65.
        List<Integer> logged = result.history().stream().map(HistoryEntry::step).toList();
        assertEquals(List.of(7, 14, 21, 28, 35, 42, 49, 56, 63, 65), logged);
        assertEquals(3, result.history().getLast().epoch(), "step 65 falls in epoch 3 with 31 steps per epoch");
        assertTrue(result.history().subList(0, 9).stream().allMatch(h -> h.test().isEmpty()));
        assertTrue(result.history().getLast().test().isPresent());
        List<String> lines = console.lines();
        assertEquals(11, lines.size());
        assertTrue(lines.getFirst().matches("step 7/65  loss=\\d+\\.\\d{4}  accuracy=[01]\\.\\d{4}  \\(.* img/s\\)"), lines.getFirst());
        assertTrue(lines.get(9).startsWith("step 65/65  loss="), lines.get(9));
        assertTrue(lines.getLast().matches("test_accuracy=[01]\\.\\d{4} test_loss=\\d+\\.\\d{4}"), lines.getLast());
    }

    @Test
    void explicitLogIntervalIsHonoured() {
        TrainResult result = Trainer.train(initialised(2), GRAPH, SPEC, DATA, options(1).withSteps(20).withLogEvery(5), new Console().out);
        assertEquals(List.of(5, 10, 15, 20), result.history().stream().map(HistoryEntry::step).toList());
    }

    @Test
    void withoutATestSplitTheLastLineReportsTraining() {
        Console console = new Console();
        DatasetSplits trainOnly = new DatasetSplits(DATA.train(), Optional.empty());
        TrainResult result = Trainer.train(initialised(1), GRAPH, SPEC, trainOnly, options(1), console.out);
        assertTrue(result.test().isEmpty());
        HistoryEntry last = result.history().getLast();
        assertEquals(String.format(Locale.ROOT, "train_loss=%.4f train_accuracy=%.4f", last.trainLoss(), last.trainAccuracy().getAsDouble()),
                console.lines().getLast());
    }

    @Test
    void oneHotLabelsTrainToo() {
        Graph graph = SoftmaxRegressionModel.graph(2, 3, true);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, true);
        ParameterInitializer.initialize(model, graph, 1);
        TrainResult result = Trainer.train(model, graph, SPEC, DATA, options(3), new Console().out);
        assertTrue(result.test().get().accuracy().getAsDouble() > 0.95);
    }

    @Test
    void trainingForwardPassesUseTrainingModeAndEvaluationDoesNot() {
        SoftmaxRegressionModel model = initialised(1);
        Trainer.train(model, GRAPH, SPEC, DATA, options(1), new Console().out);
        int steps = 1000 / 32;
        assertTrue(model.forwardModes.subList(0, steps).stream().allMatch(m -> m));
        assertEquals(1, model.forwardModes.size() - steps, "300 test examples evaluate in one batch");
        assertFalse(model.forwardModes.getLast());
    }

    @Test
    void softmaxRegressionLearnsRealMnist() throws Exception {
        DatasetSplits mnist = dev.netc.runtime.data.MnistLoader.load(dev.netc.runtime.data.MnistLoaderTestAccess.realMnist());
        Graph graph = SoftmaxRegressionModel.graph(784, 10, false); // x is [B, 784]: examples [1, 28, 28] flatten into it
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(784, 10, false);
        ParameterInitializer.initialize(model, graph, 1);
        TrainSpec spec = SoftmaxRegressionModel.spec(100, List.of("accuracy"));
        Console console = new Console();
        TrainResult result = Trainer.train(model, graph, spec, mnist, TrainOptions.from(spec).withLearningRate(0.5).withProgressBar(false),
                console.out);
        assertEquals(200, result.steps());
        assertTrue(result.test().get().accuracy().getAsDouble() > 0.85, console.lines().getLast());
        assertTrue(console.lines().getFirst().startsWith("epoch 1/1  loss="), console.lines().getFirst());
    }

    @Test
    void rejectsDataThatDoesNotFitTheModel() {
        Graph wide = SoftmaxRegressionModel.graph(5, 3, false);
        TrainingSetupException shape = assertThrows(TrainingSetupException.class,
                () -> Trainer.train(new SoftmaxRegressionModel(5, 3, false), wide, SPEC, DATA, options(1), new Console().out));
        assertEquals("dataset blobs-train has examples of shape [2] (2 values) but input 'x' takes 5 values per example", shape.getMessage());

        TrainingSetupException batch = assertThrows(TrainingSetupException.class,
                () -> Trainer.train(initialised(1), GRAPH, SPEC, DATA, options(1).withBatch(5000), new Console().out));
        assertEquals("batch size 5000 is larger than the 1000 examples of blobs-train", batch.getMessage());

        TrainSpec badMetric = SoftmaxRegressionModel.spec(32, List.of("f1"));
        TrainingSetupException metric = assertThrows(TrainingSetupException.class,
                () -> Trainer.train(initialised(1), GRAPH, badMetric, DATA, options(1), new Console().out));
        assertEquals("unknown metric 'f1' (known: accuracy)", metric.getMessage());

        Graph twoClasses = SoftmaxRegressionModel.graph(2, 2, false);
        TrainingSetupException classes = assertThrows(TrainingSetupException.class,
                () -> Trainer.train(new SoftmaxRegressionModel(2, 2, false), twoClasses, SPEC, DATA, options(1), new Console().out));
        assertEquals("dataset blobs-train has 3 classes but output 'logits' scores only 2", classes.getMessage());
    }

    /** Issue 10: --epochs 50000000 overflowed the step count (an ArithmeticException, an internal error). */
    @Test
    void aRunLongerThanAStepCountCanHoldIsASetupError() {
        TrainingSetupException epochs = assertThrows(TrainingSetupException.class,
                () -> Trainer.train(initialised(1), GRAPH, SPEC, DATA, options(100_000_000), new Console().out));
        assertEquals("100,000,000 epochs of 31 steps each are 3,100,000,000 steps, more than a run can count (2,147,483,646); "
                + "train for fewer epochs", epochs.getMessage());
        assertThrows(TrainingSetupException.class,
                () -> Trainer.train(initialised(1), GRAPH, SPEC, DATA, options(2_000_000_000), new Console().out));
        assertThrows(TrainingSetupException.class, () -> Trainer.train(initialised(1), GRAPH, SPEC, DATA,
                TrainOptions.from(SPEC).withSteps(Integer.MAX_VALUE).withProgressBar(false), new Console().out));
        assertEquals(Trainer.MAX_STEPS, Trainer.totalSteps(Trainer.MAX_STEPS / 2, 2));
    }
}
