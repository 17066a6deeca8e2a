package dev.netc.kernels;

/**
 * op(B) of a GEMM packed once into the micro-kernel's panel layout, for a B that stays unchanged across
 * many products (a dense layer's weights during inference). {@link Gemm} then reads the panels in place
 * instead of packing B on every call: for a 50 x 1024 x 3136 dense layer that packing, with its page
 * stride through the weights, is a fifth of the product's time.
 *
 * <p>Layout: k block p0 ({@link Gemm#KC} deep, the last one shorter) at {@code p0 * slivers * NR}, and in
 * it column sliver js at {@code js * NR * kc}, stored [kc][NR] and zero-padded past column n: exactly what
 * the product packs per call, so a product from panels has the same bits as one from B.
 */
public final class GemmPanels {
    private final boolean transB;
    private final int k;
    private final int n;
    private final float[] source;
    private final int sourceOffset;
    final float[] data;

    private GemmPanels(boolean transB, int k, int n, float[] source, int sourceOffset, float[] data) {
        this.transB = transB;
        this.k = k;
        this.n = n;
        this.source = source;
        this.sourceOffset = sourceOffset;
        this.data = data;
    }

    /**
     * Packs op(b), a k x n matrix (b is n x k when transB), from b[bOff] on. The panels are a copy:
     * later writes to b are not seen by them.
     */
    public static GemmPanels pack(boolean transB, int k, int n, float[] b, int bOff) {
        if (k <= 0 || n <= 0) throw new IllegalArgumentException("empty matrix: k=" + k + ", n=" + n);
        final int nr = GemmMicroKernel.NR;
        int slivers = Gemm.ceilDiv(n, nr);
        float[] data = new float[Math.multiplyExact(slivers * nr, k)];
        int blocks = Gemm.ceilDiv(k, Gemm.KC);
        Parallel.forRange(blocks * slivers, task -> {
            int p0 = (task / slivers) * Gemm.KC, js = task % slivers;
            int kc = Math.min(Gemm.KC, k - p0);
            GemmPacking.packB(transB, n, k, b, bOff, js * nr, p0, kc, data, p0 * slivers * nr + js * nr * kc);
        });
        return new GemmPanels(transB, k, n, b, bOff, data);
    }

    /** Whether these are the panels of op(b) for this b (the same array), offset, transposition and size. */
    public boolean packs(boolean transB, int k, int n, float[] b, int bOff) {
        return source == b && sourceOffset == bOff && this.transB == transB && this.k == k && this.n == n;
    }

    /** Where k block p0's sliver js starts in {@link #data}. */
    static int sliverOffset(int n, int p0, int kc, int js) {
        final int nr = GemmMicroKernel.NR;
        return p0 * Gemm.ceilDiv(n, nr) * nr + js * nr * kc;
    }
}
