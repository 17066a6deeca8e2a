package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Op;
import dev.netc.onnx.InferenceModel;
import dev.netc.onnx.InteropException;
import dev.netc.onnx.OnnxExporter;
import dev.netc.onnx.peer.OnnxRuntimeBench;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code netc bench --peer onnxruntime}: the model exported with the same seeded weights, timed in
 * ONNX Runtime on a synthetic batch of the bench's size, in this process, its runs timed alternately
 * with netc's ({@link dev.netc.runtime.bench.InferencePeer}).
 */
final class PeerBench {
    static final String ONNXRUNTIME = "onnxruntime";

    private PeerBench() {}

    /** The exported model opened in ONNX Runtime on a seeded synthetic batch; the caller closes it. */
    static OnnxRuntimeBench onnxRuntime(CheckedModel m, int batch, long seed) {
        InferenceModel inference = InferenceLoader.open(m, null, seed);
        byte[] onnx;
        int[] shape;
        String input;
        try {
            onnx = OnnxExporter.export(m.graph(), inference.parameters(), m.name(), OnnxExporter.DEFAULT_OPSET).toByteArray();
            var node = inference.input();
            if (node.type().dtype() != dev.netc.ir.DType.F32) throw new InteropException("the peer benchmark feeds f32 inputs, the model's is " + node.type());
            input = ((Op.Input) node.op()).name();
            shape = node.type().shape().bind(Map.of(node.type().shape().dims().stream().filter(d -> d instanceof dev.netc.ir.Dim.Sym)
                    .map(Object::toString).findFirst().orElse("B"), batch));
        } catch (InteropException e) {
            throw new CommandError("error: --peer " + ONNXRUNTIME + ": " + e.getMessage());
        }
        float[] values = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextDouble();
        try {
            return OnnxRuntimeBench.open(onnx, input, Arrays.stream(shape).mapToLong(v -> v).toArray(), values);
        } catch (NoClassDefFoundError e) {
            throw new CommandError("error: --peer " + ONNXRUNTIME + " needs ONNX Runtime beside the netc jar (lib/onnxruntime-*.jar next to"
                    + " netc.jar, which the build puts there); it is missing");
        }
    }
}
