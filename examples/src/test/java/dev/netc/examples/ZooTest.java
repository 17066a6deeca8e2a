package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.plan.Compilation;
import dev.netc.api.GeneratedModel;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.data.DatasetRegistry;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.data.MnistLoader;
import dev.netc.runtime.train.ParameterInitializer;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.TrainResult;
import dev.netc.runtime.train.Trainer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The model zoo: every example's {@code netc summary} reports Keras' parameter counts for the same
 * architecture, and a short training run lowers the loss. Runs are a few dozen steps so the suite stays
 * quick on two cores; MNIST models are skipped when ../shared/data/mnist is absent.
 */
class ZooTest {
    private static DatasetSplits mnist;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "dense_64_adam   | 55,050    | 55,050    | 0",
            "dense_512x2     | 669,706   | 669,706   | 0",
            "dense_512x3     | 932,362   | 932,362   | 0",
            "keras_cnn_a     | 542,230   | 542,230   | 0",
            "keras_cnn_b     | 1,199,882 | 1,199,882 | 0",
            "keras_cnn_c     | 1,199,882 | 1,199,882 | 0",
            "keras_cnn_d     | 1,200,778 | 1,200,330 | 448",
            "fc5_sigmoid     | 185,300   | 185,300   | 0",
            "fc5_tanh        | 185,300   | 185,300   | 0",
            "fc5_relu        | 185,300   | 185,300   | 0",
            "fc5_dropout     | 185,300   | 185,300   | 0",
            "lenet           | 61,706    | 61,706    | 0",
            "resnet_small    | 28,554    | 28,362    | 192",
            "regression_net  | 4,482     | 4,482     | 0"})
    void summaryReportsKerasParameterCounts(String example, String total, String trainable, String nonTrainable) {
        Examples.Run run = Examples.netc("summary", Examples.example(example + ".net").toString());
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().strip().lines().toList();
        assertEquals(List.of("Total params: " + total, "Trainable params: " + trainable, "Non-trainable params: " + nonTrainable),
                lines.subList(lines.size() - 3, lines.size()), run.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"dense_64_adam, 60", "dense_512x2, 30", "dense_512x3, 30", "keras_cnn_a, 30", "keras_cnn_b, 30",
            "keras_cnn_c, 30", "keras_cnn_d, 30", "fc5_sigmoid, 60", "fc5_tanh, 60", "fc5_relu, 60", "fc5_dropout, 60",
            "lenet, 60", "resnet_small, 30"})
    void mnistModelLearnsInAFewSteps(String example, int steps) throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        TrainResult r = train(example, mnistData(), steps);
        assertLossDecreases(example, r);
    }

    @Test
    void regressionNetLearnsTheSpiralsWithMse() throws Exception {
        CheckedModel model = Examples.model("regression_net.net");
        DatasetSplits data = DatasetRegistry.load(model.train().orElseThrow().dataset().orElseThrow(), Optional.empty());
        assertLossDecreases("regression_net", train("regression_net", data, 300));
    }

    @Test
    void batchNormMovesItsStatisticsWhileTraining() throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        CheckedModel model = Examples.model("keras_cnn_d.net");
        GeneratedModel net = compileAndTrain(model, mnistData(), 5);
        float[] mean = net.floatBuffer("batch_normalization/moving_mean");
        float[] variance = net.floatBuffer("batch_normalization/moving_variance");
        // initialised to 0 and 1; ReLU outputs have a positive mean, so five steps move both
        for (int c = 0; c < mean.length; c++) {
            assertTrue(mean[c] >= 0, "moving mean of a ReLU output: " + mean[c]);
            assertTrue(variance[c] != 1f, "moving variance of channel " + c + " was not updated");
        }
        assertTrue(sum(mean) > 0, "moving means were not updated");
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) s += f;
        return s;
    }

    private static synchronized DatasetSplits mnistData() throws Exception {
        if (mnist == null) mnist = MnistLoader.load(Examples.mnist());
        return mnist;
    }

    private static TrainResult train(String example, DatasetSplits data, int steps) {
        CheckedModel model = Examples.model(example + ".net");
        Compilation c = Pipeline.compile(model, CompileOptions.training());
        Graph g = c.graph();
        TrainSpec spec = model.train().orElseThrow();
        GeneratedModel net = JavaBackend.compile(c, model.name());
        ParameterInitializer.initialize(net, g, 1);
        TrainOptions options = TrainOptions.from(spec).withSteps(steps).withLogEvery(steps / 3).withProgressBar(false);
        return Trainer.train(net, g, spec, noTest(data), options, new PrintStream(OutputStream.nullOutputStream()));
    }

    private static GeneratedModel compileAndTrain(CheckedModel model, DatasetSplits data, int steps) {
        TrainSpec spec = model.train().orElseThrow();
        Compilation c = Pipeline.compile(model, CompileOptions.training());
        Graph g = c.graph();
        GeneratedModel net = JavaBackend.compile(c, model.name());
        ParameterInitializer.initialize(net, g, 1);
        TrainOptions options = TrainOptions.from(spec).withSteps(steps).withProgressBar(false);
        Trainer.train(net, g, spec, noTest(data), options, new PrintStream(OutputStream.nullOutputStream()));
        return net;
    }

    /** Only the training split: the short runs measure the training loss, and evaluating 10,000 images costs time. */
    private static DatasetSplits noTest(DatasetSplits data) { return new DatasetSplits(data.train(), Optional.empty()); }

    /** The last third of the run has a lower mean loss than the first third. */
    private static void assertLossDecreases(String example, TrainResult r) {
        assertEquals(3, r.history().size(), example + ": log intervals");
        double first = r.history().getFirst().trainLoss(), last = r.history().getLast().trainLoss();
        assertTrue(Double.isFinite(last) && last < first, example + ": first interval loss " + first + ", last " + last);
    }
}
