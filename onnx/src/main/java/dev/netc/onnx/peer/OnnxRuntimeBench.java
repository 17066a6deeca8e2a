package dev.netc.onnx.peer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * {@code netc bench --peer onnxruntime}: an exported model in ONNX Runtime, in this process, with as
 * many intra-op threads as netc's kernels use (all cores), ready to run one batch or one image; the
 * bench times its runs alternately with netc's own.
 *
 * <p>ONNX Runtime is an optional dependency (its jar is 75 MB): when it is not on the class path
 * the first use throws {@link NoClassDefFoundError}, which the command reports as a user error.
 */
public final class OnnxRuntimeBench implements AutoCloseable {
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final OnnxTensor batchTensor, oneTensor;
    private final Map<String, OnnxTensor> batchFeed, oneFeed;
    private final String version;
    private final int threads;

    /**
     * @param model  the ONNX file's bytes
     * @param input  the name of its one input
     * @param shape  the input's shape at the batch (dimension 0)
     * @param values the input's values, row-major
     */
    public static OnnxRuntimeBench open(byte[] model, String input, long[] shape, float[] values) {
        try {
            return new OnnxRuntimeBench(model, input, shape, values);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on netc's export: " + e.getMessage(), e);
        }
    }

    private OnnxRuntimeBench(byte[] model, String input, long[] shape, float[] values) throws OrtException {
        threads = Runtime.getRuntime().availableProcessors();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        version = env.getVersion();
        options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(model, options);
        batchTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
        long[] one = shape.clone();
        one[0] = 1;
        oneTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values, 0, (int) (values.length / shape[0])), one);
        batchFeed = Map.of(input, batchTensor);
        oneFeed = Map.of(input, oneTensor);
    }

    /** ONNX Runtime's version, as it reports it. */
    public String version() {
        return version;
    }

    /** Its intra-op threads. */
    public int threads() {
        return threads;
    }

    /** One inference of the whole batch. */
    public void runBatch() {
        run(batchFeed);
    }

    /** One inference of the batch's first image. */
    public void runOne() {
        run(oneFeed);
    }

    private void run(Map<String, OnnxTensor> feed) {
        try {
            session.run(feed).close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on netc's export: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            oneTensor.close();
            batchTensor.close();
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session failed: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }
}
