package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.data.MnistLoader;
import dev.netc.runtime.train.ParameterInitializer;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.TrainResult;
import dev.netc.runtime.train.Trainer;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.plan.Compilation;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The acceptance runs of the README: every example checks, and the MNIST examples learn. */
class ExamplesTest {
    private static final Pattern FINAL = Pattern.compile("test_accuracy=(0\\.\\d{4}) test_loss=(\\d+\\.\\d{4})");

    @Test
    void everyExampleChecksClean() {
        List<Path> files = Examples.all();
        assertTrue(files.size() >= 7, "examples found: " + files);
        String[] args = new String[files.size() + 1];
        args[0] = "check";
        for (int i = 0; i < files.size(); i++) args[i + 1] = files.get(i).toString();
        Examples.Run run = Examples.netc(args);
        assertEquals(0, run.exit(), run.err());
        assertEquals(files.size(), run.out().lines().filter(l -> l.endsWith(")") && l.contains(": ok (")).count(), run.out());
    }

    @Test
    void spiralsReach95PercentAccuracy() {
        Examples.Run run = Examples.netc("train", Examples.example("spirals.net").toString(), "--no-progress");
        assertEquals(0, run.exit(), run.err());
        Matcher m = FINAL.matcher(run.lastLine());
        assertTrue(m.matches(), "last line: " + run.lastLine());
        assertTrue(Double.parseDouble(m.group(1)) >= 0.95, run.out());
    }

    @Test
    void mnistSoftmaxReaches90PercentInThreeEpochs() {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        Examples.Run run = Examples.netc("train", Examples.example("mnist_softmax.net").toString(),
                "--data", Examples.mnist().toString(), "--epochs", "3", "--no-progress");
        assertEquals(0, run.exit(), run.err());
        Matcher m = FINAL.matcher(run.lastLine());
        assertTrue(m.matches(), "last line: " + run.lastLine());
        assertTrue(Double.parseDouble(m.group(1)) >= 0.900, run.out());
    }

    @Test
    void kerasCnnCReaches97Point5PercentInThreeEpochs() {
        // issue 4's acceptance run: Keras-style CNN with dropout, SGD 0.01 momentum 0.9, batch 32
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        Examples.Run run = Examples.netc("train", Examples.example("keras_cnn_c.net").toString(),
                "--data", Examples.mnist().toString(), "--epochs", "3", "--no-progress");
        assertEquals(0, run.exit(), run.err());
        Matcher m = FINAL.matcher(run.lastLine());
        assertTrue(m.matches(), "last line: " + run.lastLine());
        assertTrue(Double.parseDouble(m.group(1)) >= 0.975, run.out());
    }

    @Test
    void mnistCnnLossHalvesIn300Steps() throws Exception {
        assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        CheckedModel model = Examples.model("mnist_cnn.net");
        Compilation c = Pipeline.compile(model, CompileOptions.training());
        Graph g = c.graph();
        GeneratedModel net = JavaBackend.compile(c, model.name());
        ParameterInitializer.initialize(net, g, 0);
        TrainOptions options = TrainOptions.from(model.train().orElseThrow()).withSteps(300).withProgressBar(false);
        TrainResult r = Trainer.train(net, g, model.train().orElseThrow(), MnistLoader.load(Examples.mnist()), options,
                new PrintStream(OutputStream.nullOutputStream()));
        assertFalse(r.history().isEmpty());
        double last = r.history().getLast().trainLoss();
        assertTrue(last < r.firstTrainLoss() / 2, "first loss " + r.firstTrainLoss() + ", last interval " + last);
    }
}
