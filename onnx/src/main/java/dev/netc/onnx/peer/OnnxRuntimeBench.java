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

    /**
     * What was measured, as netc's bench measures itself.
     *
     * @param inferImagesPerS     median pass at the bench batch
     * @param infer1000ImagesPerS 1,000 images (whole batches) timed together, median of three
     * @param batch1LatencyMs     median run on one image
     */
    public record Result(String version, int threads, double inferImagesPerS, double infer1000ImagesPerS, double batch1LatencyMs) {}

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
                int batch = (int) shape[0];
                Map<String, OnnxTensor> feed = Map.of(input, tensor);
                double pass = median(session, feed, 1, warmup, steps);
                int passes = (1000 + batch - 1) / batch;
                double thousand = median(session, feed, passes, 0, 3);
                long[] one = shape.clone();
                one[0] = 1;
                double latency;
                try (OnnxTensor single = OnnxTensor.createTensor(env, FloatBuffer.wrap(values, 0, values.length / batch), one)) {
                    latency = median(session, Map.of(input, single), 1, warmup, steps);
                }
                return new Result(env.getVersion(), threads, batch / (pass / 1e9), (double) passes * batch / (thousand / 1e9), latency / 1e6);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on netc's export: " + e.getMessage(), e);
        }
    }

    /** Median nanoseconds of {@code runs} timings, each of {@code passes} runs, after the warm-up runs. */
    private static double median(OrtSession session, Map<String, OnnxTensor> feed, int passes, int warmup, int runs) throws OrtException {
        for (int i = 0; i < warmup; i++) session.run(feed).close();
        List<Long> nanos = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            for (int p = 0; p < passes; p++) session.run(feed).close();
            nanos.add(System.nanoTime() - t0);
        }
        List<Long> sorted = nanos.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}
