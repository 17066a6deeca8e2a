package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.onnx.npy.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.netc.runtime.checkpoint.Checkpoint;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example exported to ONNX runs in ONNX Runtime and gives what netc predict gives on the same
 * input with the same weights, to 1e-4; imported back (netc import), the .net source and weights it
 * writes compute the same outputs.
 */
class ExportOnnxRuntimeTest {
    static final double TOLERANCE = 1e-4;

    static Stream<Path> examples() throws Exception {
        try (Stream<Path> files = Files.list(TestModels.root().resolve("examples"))) {
            return files.filter(p -> p.toString().endsWith(".net")).sorted().toList().stream();
        }
    }

    /** Seeded weights, then every parameter moved by seeded noise so that zero biases and unit batch-norm statistics are exercised too. */
    static InferenceModel withNoisyWeights(CheckedModel m, long seed) {
        InferenceModel model = InferenceModel.open(m, Optional.empty(), seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (Node n : m.graph().parameters()) {
            String name = ((Op.Parameter) n.op()).name();
            float[] buffer = model.model().floatBuffer(name);
            boolean positive = name.endsWith("moving_variance");
            for (int i = 0; i < buffer.length; i++) {
                float noise = (float) (r.nextDouble() * 0.2 - 0.1);
                buffer[i] = positive ? Math.abs(buffer[i] + noise) + 0.5f : buffer[i] + noise;
            }
        }
        return model;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exportMatchesOnnxRuntime(Path file) throws Exception {
        CheckedModel m = TestModels.load(file);
        InferenceModel model = withNoisyWeights(m, 7);
        NpyArray input = TestModels.randomInput(model, 3, 11);
        NpyArray netc = model.predict(input);
        byte[] onnx = OnnxExporter.export(m.graph(), model.parameters(), m.name(), OnnxExporter.DEFAULT_OPSET).toByteArray();
        NpyArray ort = OnnxRuntimeRunner.run(onnx, ((Op.Input) model.input().op()).name(), input);
        double diff = TestModels.maxAbsDiff(netc, ort);
        System.out.printf("%s: max |netc - onnxruntime| = %.3g over %d values%n", file.getFileName(), diff, netc.size());
        assertTrue(diff <= TOLERANCE, file.getFileName() + ": max abs difference " + diff);

        // the round trip reads the newest opset's export, where GELU and Mish are single operators
        byte[] newest = OnnxExporter.export(m.graph(), model.parameters(), m.name(), OnnxExporter.MAX_OPSET).toByteArray();
        assertTrue(TestModels.maxAbsDiff(netc, OnnxRuntimeRunner.run(newest, ((Op.Input) model.input().op()).name(), input)) <= TOLERANCE,
                file.getFileName() + " at opset " + OnnxExporter.MAX_OPSET);
        OnnxImporter.Imported back = OnnxImporter.importModel(newest, file.getFileName().toString(), m.name());
        CheckedModel imported = TestModels.parse(back.name() + ".net", back.source());
        Checkpoint weights = new Checkpoint(back.name() + ".safetensors", back.weights(), Map.of(), Optional.empty());
        NpyArray again = InferenceModel.open(imported, Optional.of(weights), 0).predict(input);
        double roundTrip = TestModels.maxAbsDiff(netc, again);
        System.out.printf("%s: max |netc - export/import/predict| = %.3g%n", file.getFileName(), roundTrip);
        assertTrue(roundTrip <= TOLERANCE, file.getFileName() + ": round trip differs by " + roundTrip + "; imported source:\n" + back.source());
    }
}
