package dev.netc.onnx.npy;

import java.util.Arrays;

/**
 * An array read from or written to a NumPy {@code .npy} file: little-endian, C (row-major) order.
 * Only the two element types netc models take and give are supported: f32 ({@code <f4}) and i32 ({@code <i4}).
 */
public sealed interface NpyArray permits NpyArray.F32, NpyArray.I32 {

    /** The dimensions ({@code []} for a scalar). */
    int[] shape();

    /** The NumPy type string written in the header ({@code <f4} or {@code <i4}). */
    String descr();

    /** The element type as netc spells it (f32, i32). */
    String dtypeName();

    /** The number of elements, the product of the dimensions. */
    default long size() { return count(shape()); }

    /** An f32 array. */
    record F32(int[] shape, float[] values) implements NpyArray {
        public F32 {
            shape = shape.clone();
            checkCount(shape, values.length);
        }
        @Override public int[] shape() { return shape.clone(); }
        public String descr() { return "<f4"; }
        public String dtypeName() { return "f32"; }
        @Override public boolean equals(Object o) { return o instanceof F32 f && Arrays.equals(shape, f.shape) && Arrays.equals(values, f.values); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values); }
        @Override public String toString() { return "f32" + Arrays.toString(shape); }
    }

    /** An i32 array. */
    record I32(int[] shape, int[] values) implements NpyArray {
        public I32 {
            shape = shape.clone();
            checkCount(shape, values.length);
        }
        @Override public int[] shape() { return shape.clone(); }
        public String descr() { return "<i4"; }
        public String dtypeName() { return "i32"; }
        @Override public boolean equals(Object o) { return o instanceof I32 i && Arrays.equals(shape, i.shape) && Arrays.equals(values, i.values); }
        @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values); }
        @Override public String toString() { return "i32" + Arrays.toString(shape); }
    }

    /** The product of the dimensions; negative dimensions are rejected. */
    static long count(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    private static void checkCount(int[] shape, int length) {
        if (count(shape) != length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count(shape) + " values, got " + length);
    }
}
