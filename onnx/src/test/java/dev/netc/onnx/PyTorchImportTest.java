package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.onnx.npy.Npy;
import dev.netc.onnx.npy.NpyArray;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetSplits;
import dev.netc.runtime.train.TrainOptions;
import dev.netc.runtime.train.TrainResult;
import dev.netc.runtime.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models exported by PyTorch 1.13 ({@code src/test/resources/pytorch/make_fixtures.py}) import as
 * readable .net source whose outputs match PyTorch's on the reference input, and the imported CNN trains.
 */
class PyTorchImportTest {
    static Path fixture(String name) {
        return TestModels.root().resolve("onnx/src/test/resources/pytorch").resolve(name);
    }

    static OnnxImporter.Imported importFixture(String name) throws Exception {
        return OnnxImporter.importModel(Files.readAllBytes(fixture(name + ".onnx")), name + ".onnx", name);
    }

    /** name, a layer call the source must hold, how many times, and a call it must not hold. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "mlp, 'dense(', 3, 'matmul('",
            "cnn, 'activation=relu', 2, 'relu('",
            "resnet_bn, 'batch_norm(', 3, 'activation='",
            "resnet_folded, 'conv2d(', 3, 'batch_norm('",
            "cnn_view, 'reshape(conv, [B, 75])', 1, 'param '",
            "stem, 'max_pool(conv1, size=3, stride=2, padding=1)', 1, 'erf('",
    })
    void importMatchesPyTorch(String name, String layer, int count, String absent) throws Exception {
        OnnxImporter.Imported imported = importFixture(name);
        CheckedModel m = TestModels.parse(name + ".net", imported.source());
        Checkpoint weights = new Checkpoint(name + ".safetensors", imported.weights(), Map.of(), Optional.empty());
        NpyArray input = Npy.read(fixture(name + "_input.npy"));
        NpyArray expected = Npy.read(fixture(name + "_output.npy"));
        NpyArray actual = InferenceModel.open(m, Optional.of(weights), 0).predict(input);
        double diff = TestModels.maxAbsDiff(expected, actual);
        System.out.printf("%s: max |pytorch - netc import| = %.3g%n", name, diff);
        assertTrue(diff <= ExportOnnxRuntimeTest.TOLERANCE, name + ": max abs difference " + diff + "\n" + imported.source());
        assertEquals(count, imported.source().split(java.util.regex.Pattern.quote(layer), -1).length - 1, imported.source());
        assertTrue(!imported.source().contains(absent), imported.source());
    }

    @Test
    void residualBatchNormKeepsItsStatistics() throws Exception {
        OnnxImporter.Imported imported = importFixture("resnet_bn");
        assertTrue(imported.weights().containsKey("block_bn2/moving_variance"), imported.weights().keySet().toString());
        assertTrue(imported.source().contains("batch_norm(block_conv2, momentum=0.9, epsilon=1.0e-5, name=\"block_bn2\")"), imported.source());
        assertTrue(imported.source().contains("relu_1 + block_bn2"), "the residual connection: " + imported.source());
    }

    @Test
    void pyTorchsExactGeluReadsAsGelu() throws Exception {
        String source = importFixture("stem").source();
        assertTrue(source.contains("gelu_1 = gelu(conv2)"), source);
        assertTrue(source.contains("conv1 = conv2d(x, filters=8, size=[7, 7], stride=2, padding=3, activation=relu, name=\"conv1\")"), source);
    }

    /** The imported CNN with a train block appended learns a synthetic task: its loss falls well below chance. */
    @Test
    void importedCnnTrains() throws Exception {
        OnnxImporter.Imported imported = importFixture("cnn");
        String source = imported.source() + """
                train cnn {
                  input y: i32[B]
                  loss = softmax_cross_entropy(logits, y)
                  optimizer = adam(lr=0.01)
                  batch = 32
                  steps = 150
                }
                """;
        CheckedModel m = TestModels.parse("cnn.net", source);
        GeneratedModel model = JavaBackend.compile(Pipeline.compile(m, CompileOptions.training()), m.name());
        Checkpoints.restore(new Checkpoint("cnn.safetensors", imported.weights(), Map.of(), Optional.empty()), model, m.graph(), false);
        // class = which third of the image is brightest: learnable by a CNN in a few steps
        int n = 600;
        float[] features = new float[n * 144];
        int[] labels = new int[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(3);
            for (int p = 0; p < 144; p++) features[i * 144 + p] = (float) (r.nextDouble() * 0.5 + ((p % 12) / 4 == labels[i] ? 0.5 : 0));
        }
        Dataset data = new Dataset("bright_thirds", new int[] {1, 12, 12}, features, labels, 3);
        TrainResult result = Trainer.train(model, m.graph(), m.train().orElseThrow(), new DatasetSplits(data, Optional.empty()),
                TrainOptions.from(m.train().orElseThrow()).withSeed(1), new PrintStream(new ByteArrayOutputStream()));
        System.out.printf("imported cnn: first loss %.4f, last %.4f%n", result.firstTrainLoss(), result.lastTrainLoss());
        assertTrue(result.lastTrainLoss() < 0.3 && result.lastTrainLoss() < result.firstTrainLoss() / 3,
                "first loss " + result.firstTrainLoss() + ", last " + result.lastTrainLoss());
    }
}
