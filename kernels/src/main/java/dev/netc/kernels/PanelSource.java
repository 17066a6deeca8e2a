package dev.netc.kernels;

/**
 * Supplies op(B) to {@link Gemm} already packed: one sliver of {@link GemmMicroKernel#NR} columns
 * starting at column j0, k rows [p0, p0 + kc), stored [kc][NR] at dst[dstOff] and zero-padded past the
 * last column. Convolution implements it to build the im2col matrix straight into packed form, so the
 * column matrix is never written out in full.
 */
@FunctionalInterface
interface PanelSource {
    void pack(int j0, int p0, int kc, float[] dst, int dstOff);
}
