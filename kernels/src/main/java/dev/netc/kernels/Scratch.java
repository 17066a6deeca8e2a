package dev.netc.kernels;

/**
 * A per-thread reusable float buffer that grows on demand, so kernels called every training step
 * do not allocate. Each kernel uses its own instance, so one thread never hands the same buffer to
 * two kernels that are live at once. Contents are unspecified on return.
 */
final class Scratch {
    private final ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<byte[]> byteBuffers = ThreadLocal.withInitial(() -> new byte[0]);

    float[] atLeast(int length) {
        float[] buffer = buffers.get();
        if (buffer.length < length) {
            buffer = new float[length];
            buffers.set(buffer);
        }
        return buffer;
    }

    /** A byte buffer of this thread, like {@link #atLeast} (a separate buffer: both may be live at once). */
    byte[] bytesAtLeast(int length) {
        byte[] buffer = byteBuffers.get();
        if (buffer.length < length) {
            buffer = new byte[length];
            byteBuffers.set(buffer);
        }
        return buffer;
    }
}
