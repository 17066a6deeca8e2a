package dev.netc.ir;

import java.util.Arrays;

/**
 * How a parameter is initialised. Fans follow Keras: a rank-2 kernel is [in, out]; a rank-4 conv
 * kernel is [out, in, kh, kw] (NCHW, so fan_in = in*kh*kw and fan_out = out*kh*kw).
 */
public sealed interface Init {
    record Zeros() implements Init { @Override public String toString() { return "zeros"; } }
    record Ones() implements Init { @Override public String toString() { return "ones"; } }
    record Constant(double value) implements Init { @Override public String toString() { return "constant(" + value + ")"; } }
    record Normal(double mean, double stddev) implements Init { @Override public String toString() { return "normal(" + mean + ", " + stddev + ")"; } }
    /** Normal, redrawn when further than two standard deviations from the mean (as TensorFlow does). */
    record TruncatedNormal(double mean, double stddev) implements Init { @Override public String toString() { return "truncated_normal(" + mean + ", " + stddev + ")"; } }
    record Uniform(double low, double high) implements Init { @Override public String toString() { return "uniform(" + low + ", " + high + ")"; } }
    record GlorotUniform() implements Init { @Override public String toString() { return "glorot_uniform"; } }
    record HeNormal() implements Init { @Override public String toString() { return "he_normal"; } }
    /**
     * Keras's Orthogonal (gain 1), the default of recurrent kernels: the shape flattened to a matrix
     * [prod(all but last), last] whose rows (or columns, whichever are fewer) are orthonormal.
     */
    record Orthogonal() implements Init { @Override public String toString() { return "orthogonal"; } }
    /** Literal values in row-major order; the count must equal the parameter's element count. */
    record Values(double[] values) implements Init {
        @Override public boolean equals(Object o) { return o instanceof Values v && Arrays.equals(values, v.values); }
        @Override public int hashCode() { return Arrays.hashCode(values); }
        @Override public String toString() { return "values(" + values.length + " numbers)"; }
    }

    /** fan_in and fan_out of a kernel shape (see the class comment for the layout convention). */
    static long[] fans(int[] shape) {
        if (shape.length == 0) return new long[] {1, 1};
        if (shape.length == 1) return new long[] {shape[0], shape[0]};
        if (shape.length == 2) return new long[] {shape[0], shape[1]};
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new long[] {shape[1] * receptive, shape[0] * receptive};
    }
}
