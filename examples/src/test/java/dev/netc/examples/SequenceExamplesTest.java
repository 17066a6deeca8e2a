package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetRegistry;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.train.ParameterInitializer;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.TrainResult;
import dev.netc.runtime.train.Trainer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sequence examples: Keras's parameter counts in {@code netc summary}, MNIST read as rows, and
 * short training runs (MNIST ones skipped without ../shared/data/mnist); the adding problem, which
 * needs no download, learnt to a mean squared error below 0.01 on a shorter sequence.
 */
class SequenceExamplesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "mnist_lstm         | 81,674",
            "mnist_gru          | 61,962",
            "mnist_bilstm       | 48,906",
            "adding_problem     | 4,513",
            "keras_cnn_adadelta | 1,192,042"})
    void summaryReportsKerasParameterCounts(String example, String total) {
        Examples.Run run = Examples.netc("summary", Examples.example(example + ".net").toString());
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().strip().lines().toList();
        assertEquals(List.of("Total params: " + total, "Trainable params: " + total, "Non-trainable params: 0"),
                lines.subList(lines.size() - 3, lines.size()), run.out());
    }

    @Test
    void mnistRowsAreTheImagesRowMajorAndColumnsTheirTranspose() throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        var dir = Optional.of(Examples.mnist());
        Dataset images = DatasetRegistry.load(new dev.netc.ir.train.DatasetSpec("mnist", java.util.Map.of()), dir).test().orElseThrow();
        Dataset rows = DatasetRegistry.load(new dev.netc.ir.train.DatasetSpec("mnist", java.util.Map.of("sequence", "rows")), dir).test().orElseThrow();
        Dataset cols = DatasetRegistry.load(new dev.netc.ir.train.DatasetSpec("mnist", java.util.Map.of("sequence", "columns")), dir)
                .test().orElseThrow();
        assertEquals(List.of(28, 28), java.util.Arrays.stream(rows.exampleShape()).boxed().toList());
        assertTrue(java.util.Arrays.equals(images.features(), rows.features()));
        int example = 17, r = 9, c = 14;
        assertEquals(images.features()[example * 784 + r * 28 + c], cols.features()[example * 784 + c * 28 + r]);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mnist_lstm", "mnist_gru", "mnist_bilstm"})
    void mnistSequenceModelsLearnInAFewSteps(String example) throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        CheckedModel model = Examples.model(example + ".net");
        DatasetSplits data = DatasetRegistry.load(model.train().orElseThrow().dataset().orElseThrow(), Optional.of(Examples.mnist()));
        // small batches keep the first (interpreted, not yet JIT-compiled) steps of the unrolled graph quick
        TrainResult r = train(model, new DatasetSplits(data.train(), Optional.empty()), 30, 32, 3e-3);
        double first = r.history().getFirst().trainLoss(), last = r.history().getLast().trainLoss();
        assertTrue(last < first, example + ": first interval loss " + first + ", last " + last);
    }

    @Test
    void kerasAdadeltaSeedModelLearnsInAFewSteps() throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        CheckedModel model = Examples.model("keras_cnn_adadelta.net");
        DatasetSplits data = DatasetRegistry.load(model.train().orElseThrow().dataset().orElseThrow(), Optional.of(Examples.mnist()));
        TrainResult r = train(model, new DatasetSplits(data.train(), Optional.empty()), 30, 32, 0);
        double first = r.history().getFirst().trainLoss(), last = r.history().getLast().trainLoss();
        assertTrue(last < first, "first interval loss " + first + ", last " + last);
    }

    @Test
    void addingProblemGoesBelowOneHundredthMeanSquaredError() throws Exception {
        String source = Files.readString(Examples.example("adding_problem.net"))
                .replace("f32[B, 50, 2]", "f32[B, 12, 2]").replace("length=50", "length=12").replace("size=10000", "size=4000");
        CheckResult checked = Frontend.check(new SourceFile("adding_problem.net", source));
        assertTrue(!checked.hasErrors(), checked.render());
        CheckedModel model = checked.models().getFirst();
        DatasetSplits data = DatasetRegistry.load(model.train().orElseThrow().dataset().orElseThrow(), Optional.empty());
        assertEquals(1, data.train().targetSize());
        TrainResult r = train(model, data, 800, 50, 1e-2);
        double mse = r.history().getLast().test().orElseThrow().loss();
        assertTrue(mse < 0.01, "test mean squared error " + mse + " (predicting the mean scores about 0.167)");
        assertTrue(r.history().getLast().trainAccuracy().isEmpty(), "a regression reports no accuracy");
    }

    private static TrainResult train(CheckedModel model, DatasetSplits data, int steps, int batch, double lr) {
        TrainSpec spec = model.train().orElseThrow();
        Compilation c = Pipeline.compile(model, CompileOptions.training());
        GeneratedModel net = JavaBackend.compile(c, model.name());
        ParameterInitializer.initialize(net, c.graph(), 1);
        TrainOptions options = TrainOptions.from(spec).withSteps(steps).withBatch(batch).withLogEvery(steps / 3).withProgressBar(false);
        if (lr > 0) options = options.withLearningRate(lr); // 0: the train block's rate
        return Trainer.train(net, c.graph(), spec, data, options, new PrintStream(OutputStream.nullOutputStream()));
    }
}
