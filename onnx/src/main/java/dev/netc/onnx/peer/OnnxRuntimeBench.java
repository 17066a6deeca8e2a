package dev.netc.onnx.peer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code netc bench --peer onnxruntime}: times inference of an exported model in ONNX Runtime, in
 * this process, with as many intra-op threads as netc's kernels use (all cores), on one batch:
 * warm-up runs, then timed runs, reported at the median as netc's own figures are.
 *
 * <p>ONNX Runtime is an optional dependency (its jar is 75 MB): when it is not on the class path
 * the first use throws {@link NoClassDefFoundError}, which the command reports as a user error.
 */
public final class OnnxRuntimeBench {
    private OnnxRuntimeBench() {}

    /** What was measured. */
    public record Result(String version, int threads, double inferImagesPerS) {}

    /**
     * @param model  the ONNX file's bytes
     * @param input  the name of its one input
     * @param shape  the input's shape at the batch (dimension 0)
     * @param values the input's values, row-major
     */
    public static Result run(byte[] model, String input, long[] shape, float[] values, int warmup, int steps) {
        int threads = Runtime.getRuntime().availableProcessors();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape)) {
                Map<String, OnnxTensor> feed = Map.of(input, tensor);
                for (int i = 0; i < warmup; i++) session.run(feed).close();
                List<Long> nanos = new ArrayList<>();
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    session.run(feed).close();
                    nanos.add(System.nanoTime() - t0);
                }
                List<Long> sorted = nanos.stream().sorted().toList();
                int n = sorted.size();
                double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
                return new Result(env.getVersion(), threads, shape[0] / (median / 1e9));
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on netc's export: " + e.getMessage(), e);
        }
    }
}
