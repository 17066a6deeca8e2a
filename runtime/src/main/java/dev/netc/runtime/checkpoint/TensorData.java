package dev.netc.runtime.checkpoint;

import java.util.Arrays;

/**
 * One tensor of a safetensors file.
 *
 * @param dtype  the safetensors dtype name ("F32", "F16", ...)
 * @param shape  its dimensions ({@code []} for a scalar)
 * @param values the values, row-major, when the dtype is F32; null for every other dtype (netc only reads F32)
 */
public record TensorData(String dtype, int[] shape, float[] values) {
    public TensorData {
        shape = shape.clone();
        if (values != null && values.length != elementCount(shape))
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + elementCount(shape)
                    + " values, got " + values.length);
    }

    /** An F32 tensor. */
    public static TensorData f32(int[] shape, float[] values) {
        return new TensorData(SafeTensors.F32, shape, values);
    }

    @Override public int[] shape() { return shape.clone(); }

    /** The product of the dimensions (1 for a scalar). */
    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof TensorData t && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
    }

    @Override public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
