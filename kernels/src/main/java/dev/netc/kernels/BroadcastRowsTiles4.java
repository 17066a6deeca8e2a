package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmBroadcastRows}' register tiles for sixteen vector registers (AVX2): four rows of b per tile instead of eight,
 * against a^T's slivers of two vectors instead of three (eight accumulators, two operands and the broadcasts), as the packed
 * GEMM's four-row tile, and for the same reason: with six rows (twelve accumulators) C2 kept one on the stack (see
 * {@link GemmMicroKernel}). The same sums in the same order as the eight-row tiles: each output one multiply-add chain in k
 * order, the dot products' lanes summed in order, then the scalar tail.
 */
final class BroadcastRowsTiles4 {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** Rows of b per tile, and a^T's wide sliver (two vectors). */
    static final int ROWS = 4, WIDE = 2 * VL;

    private BroadcastRowsTiles4() {}

    /** tile[r][0 .. WIDE) = sum over p of b[base + min(r, rows - 1) * k + p] * packed[at + p * WIDE ..]. */
    static void wideTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k;
        int o3 = base + Math.min(3, rows - 1) * k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            int bi = at + p * WIDE;
            FloatVector y0 = FloatVector.fromArray(S, packed, bi), y1 = FloatVector.fromArray(S, packed, bi + VL);
            FloatVector x = FloatVector.broadcast(S, b[o0 + p]);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, b[o1 + p]);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, b[o2 + p]);
            c20 = x.fma(y0, c20); c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, b[o3 + p]);
            c30 = x.fma(y0, c30); c31 = x.fma(y1, c31);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL);
        c10.intoArray(tile, 2 * VL); c11.intoArray(tile, 3 * VL);
        c20.intoArray(tile, 4 * VL); c21.intoArray(tile, 5 * VL);
        c30.intoArray(tile, 6 * VL); c31.intoArray(tile, 7 * VL);
    }

    /** {@link #wideTile} for one narrow sliver (one vector of columns, [r][VL]). */
    static void narrowTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k;
        int o3 = base + Math.min(3, rows - 1) * k;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < k; p++) {
            FloatVector y = FloatVector.fromArray(S, packed, at + p * VL);
            c0 = FloatVector.broadcast(S, b[o0 + p]).fma(y, c0);
            c1 = FloatVector.broadcast(S, b[o1 + p]).fma(y, c1);
            c2 = FloatVector.broadcast(S, b[o2 + p]).fma(y, c2);
            c3 = FloatVector.broadcast(S, b[o3 + p]).fma(y, c3);
        }
        c0.intoArray(tile, 0); c1.intoArray(tile, VL); c2.intoArray(tile, 2 * VL); c3.intoArray(tile, 3 * VL);
    }

    /**
     * The per-lane sums of a's row at aRow0 (to tile[lanes + r * VL ..]) and, when twoRows, at aRow1 (to tile[lanes + (ROWS + r)
     * * VL ..]) against b's four rows of the block, over p below the last whole vector of k (returned): the lanes for
     * {@link GemmBroadcastRows}' in-order sums.
     */
    static int dotLanes(float[] a, int aRow0, int aRow1, boolean twoRows, float[] b, int base, int rows, int k, float[] tile, int lanes) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k;
        int o3 = base + Math.min(3, rows - 1) * k;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        int p = 0;
        int second = twoRows ? aRow1 : aRow0; // one row: the second chain repeats the first, and is dropped
        for (int upper = S.loopBound(k); p < upper; p += VL) {
            FloatVector x = FloatVector.fromArray(S, a, aRow0 + p), y = FloatVector.fromArray(S, a, second + p);
            FloatVector v = FloatVector.fromArray(S, b, o0 + p);
            s0 = x.fma(v, s0); t0 = y.fma(v, t0);
            v = FloatVector.fromArray(S, b, o1 + p);
            s1 = x.fma(v, s1); t1 = y.fma(v, t1);
            v = FloatVector.fromArray(S, b, o2 + p);
            s2 = x.fma(v, s2); t2 = y.fma(v, t2);
            v = FloatVector.fromArray(S, b, o3 + p);
            s3 = x.fma(v, s3); t3 = y.fma(v, t3);
        }
        s0.intoArray(tile, lanes); s1.intoArray(tile, lanes + VL); s2.intoArray(tile, lanes + 2 * VL); s3.intoArray(tile, lanes + 3 * VL);
        t0.intoArray(tile, lanes + 4 * VL); t1.intoArray(tile, lanes + 5 * VL); t2.intoArray(tile, lanes + 6 * VL);
        t3.intoArray(tile, lanes + 7 * VL);
        return p;
    }
}
