package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Op;
import dev.netc.onnx.npy.NpyArray;
import dev.netc.runtime.checkpoint.Checkpoint;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ops and names the examples do not use (an output named like the input it rebinds, i32 inputs and outputs), exported at the oldest and newest opset and checked in ONNX Runtime, and imported back. */
class ExportOpsTest {
    static final String OPS = """
            model ops {
              input x: f32[B, 2, 6, 6]
              a = avg_pool(x, size=2, stride=2, padding=same)
              m = max_pool(x, size=3, stride=2, padding=same)
              p = max_pool(x, size=3, stride=2, padding=1)
              c = concat([a, m, p], axis=1)
              t = transpose(c, perm=[0, 2, 3, 1])
              s = slice(t, axis=3, start=1, end=4)
              r = reshape(s, [B, 27])
              h = dense(r, 12)
              h = leaky_relu(h, 0.1) + elu(h, 0.7) - mish(h) / (abs(h) + 1)
              h = maximum(h, 0.2) * minimum(gelu(h), 1) + softplus(h) + gelu(h, approximate=tanh) + exp(0 - square(h))
              n = layer_norm(reshape(h, [B, 3, 4]))
              z = mean(n, axis=2) + sum(log_softmax(n, axis=1), axis=2) + sqrt(abs(mean(n, axis=2)) + 1)
              x = softmax(dense(z, 5, activation=tanh))
              output x
            }
            """;

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {OnnxExporter.MIN_OPSET, OnnxExporter.MAX_OPSET})
    void opsMatchOnnxRuntimeAndImportBack(int opset) throws Exception {
        CheckedModel m = TestModels.parse("ops.net", OPS);
        InferenceModel model = ExportOnnxRuntimeTest.withNoisyWeights(m, 5);
        NpyArray input = TestModels.randomInput(model, 4, 9);
        NpyArray netc = model.predict(input);
        byte[] onnx = OnnxExporter.export(m.graph(), model.parameters(), m.name(), opset).toByteArray();
        double diff = TestModels.maxAbsDiff(netc, OnnxRuntimeRunner.run(onnx, "x", input));
        System.out.printf("ops at opset %d: max |netc - onnxruntime| = %.3g%n", opset, diff);
        assertTrue(diff <= ExportOnnxRuntimeTest.TOLERANCE, "max abs difference " + diff);
        assertTrue(TestModels.maxAbsDiff(netc, reimported(onnx, input)) <= ExportOnnxRuntimeTest.TOLERANCE);
    }

    /** The ONNX model imported back, run on {@code input}. */
    static NpyArray reimported(byte[] onnx, NpyArray input) {
        OnnxImporter.Imported back = OnnxImporter.importModel(onnx, "m.onnx", "m");
        return InferenceModel.open(TestModels.parse("m.net", back.source()),
                Optional.of(new Checkpoint("m.safetensors", back.weights(), Map.of(), Optional.empty())), 0).predict(input);
    }

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {OnnxExporter.MIN_OPSET})
    void integerOutputsAndInputs(int opset) throws Exception {
        CheckedModel m = TestModels.parse("classes.net", """
                model classes {
                  input x: f32[B, 3]
                  h = dense(x, 4)
                  pred = argmax(h)
                  output pred
                }
                """);
        InferenceModel model = ExportOnnxRuntimeTest.withNoisyWeights(m, 2);
        NpyArray input = TestModels.randomInput(model, 16, 4);
        NpyArray.I32 netc = (NpyArray.I32) model.predict(input);
        NpyArray.I32 ort = (NpyArray.I32) OnnxRuntimeRunner.run(
                OnnxExporter.export(m.graph(), model.parameters(), m.name(), opset).toByteArray(), "x", input);
        assertArrayEquals(netc.shape(), ort.shape());
        assertArrayEquals(netc.values(), ort.values());
        assertArrayEquals(netc.values(), ((NpyArray.I32) reimported(OnnxExporter.export(m.graph(), model.parameters(), m.name(), opset).toByteArray(), input)).values());

        CheckedModel embed = TestModels.parse("embed.net", """
                model embed {
                  input y: i32[B]
                  param w: f32[5, 3] = glorot_uniform
                  e = matmul(one_hot(y, 5), w)
                  output e
                }
                """);
        InferenceModel em = InferenceModel.open(embed, Optional.empty(), 3);
        NpyArray ids = new NpyArray.I32(new int[] {6}, new int[] {0, 4, 2, 2, 1, 3});
        byte[] onnx = OnnxExporter.export(embed.graph(), em.parameters(), embed.name(), opset).toByteArray();
        assertTrue(TestModels.maxAbsDiff(em.predict(ids), OnnxRuntimeRunner.run(onnx, "y", ids)) <= ExportOnnxRuntimeTest.TOLERANCE);
        assertTrue(TestModels.maxAbsDiff(em.predict(ids), reimported(onnx, ids)) <= ExportOnnxRuntimeTest.TOLERANCE);
        assertTrue(em.input().op() instanceof Op.Input);

        // the embedding layer's gather exports as ONNX Gather over int64 ids
        CheckedModel gathered = TestModels.parse("gather.net", """
                model gathered {
                  input y: i32[B, 2]
                  e = embedding(y, 5, 3, embeddings_init=glorot_uniform)
                  output e
                }
                """);
        InferenceModel gm = InferenceModel.open(gathered, Optional.empty(), 3);
        NpyArray pairs = new NpyArray.I32(new int[] {3, 2}, new int[] {0, 4, 2, 2, 1, 3});
        byte[] gatherOnnx = OnnxExporter.export(gathered.graph(), gm.parameters(), gathered.name(), opset).toByteArray();
        assertTrue(TestModels.maxAbsDiff(gm.predict(pairs), OnnxRuntimeRunner.run(gatherOnnx, "y", pairs)) <= ExportOnnxRuntimeTest.TOLERANCE);
    }

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {16, 22})
    void opsetsOutsideTheRangeAreRefused(int opset) {
        CheckedModel m = TestModels.parse("classes.net", "model t { input x: f32[B, 2]\n y = relu(x)\n output y }");
        InteropException e = assertThrows(InteropException.class, () -> OnnxExporter.export(m.graph(), Map.of(), "t", opset));
        assertTrue(e.getMessage().contains("opset " + opset + " is not supported"), e.getMessage());
    }
}
