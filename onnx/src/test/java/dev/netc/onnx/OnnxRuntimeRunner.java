package dev.netc.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.netc.onnx.npy.NpyArray;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Map;

/** Runs an ONNX model's first output in ONNX Runtime (the reference every export is checked against). */
final class OnnxRuntimeRunner {
    private OnnxRuntimeRunner() {}

    static NpyArray run(byte[] model, String inputName, NpyArray input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options)) {
                long[] shape = java.util.Arrays.stream(input.shape()).mapToLong(v -> v).toArray();
                try (OnnxTensor in = switch (input) {
                        case NpyArray.F32 f -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f.values()), shape);
                        case NpyArray.I32 i -> OnnxTensor.createTensor(env, IntBuffer.wrap(i.values()), shape);
                    };
                     OrtSession.Result result = session.run(Map.of(inputName, in))) {
                    OnnxTensor out = (OnnxTensor) result.get(0);
                    int[] dims = java.util.Arrays.stream(out.getInfo().getShape()).mapToInt(v -> (int) v).toArray();
                    return switch (out.getInfo().type) {
                        case FLOAT -> {
                            FloatBuffer b = out.getFloatBuffer();
                            float[] v = new float[b.remaining()];
                            b.get(v);
                            yield new NpyArray.F32(dims, v);
                        }
                        case INT32 -> {
                            IntBuffer b = out.getIntBuffer();
                            int[] v = new int[b.remaining()];
                            b.get(v);
                            yield new NpyArray.I32(dims, v);
                        }
                        default -> throw new AssertionError("unexpected output type " + out.getInfo().type);
                    };
                }
            }
        }
    }
}
