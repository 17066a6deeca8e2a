package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmBroadcastRows}' register tiles for sixteen vector registers (AVX2). A block is twelve rows of b: against a^T's
 * wide slivers (three vectors) as four tiles of three b rows (nine accumulators, three operands and a broadcast), against
 * its narrow slivers (one vector) and in the dot products as three of four. Four b rows x two vectors, eight accumulators,
 * were just the fmas a core keeps in flight (two pipes, four cycles), so every stall showed: the wide tile on one Zen 5
 * core, W from memory, 80-85 against 68-71 GFLOP/s; five b rows x two vectors spilled (37-38). With six rows (twelve
 * accumulators) C2 kept one on the stack (see {@link GemmMicroKernel}). The same sums in the same order as the
 * eight-row tiles: each output one multiply-add chain in k order, the dot products' lanes summed in order, then the
 * scalar tail; which form computes a row of a depends on m modulo the vector alone, so the bits are those of the
 * four-row tiles before.
 */
final class BroadcastRowsTilesAvx2 {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** Rows of b per block, a^T's wide sliver (three vectors), and b rows per wide and per narrow or dot tile. */
    static final int ROWS = 12, WIDE = 3 * VL, WIDE_TILE_ROWS = 3, NARROW_ROWS = 4;

    private BroadcastRowsTilesAvx2() {}

    /** tile[r][0 .. WIDE) for the block's rows r < rows (at most ROWS): four tiles of three b rows. */
    static void wideTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile) {
        for (int s = 0; s < rows; s += WIDE_TILE_ROWS) {
            wideTile3(b, base + s * k, Math.min(WIDE_TILE_ROWS, rows - s), k, packed, at, tile, s * WIDE);
        }
    }

    /** tile[r][0 .. VL) for the block's rows r < rows: three tiles of four b rows. */
    static void narrowTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile) {
        for (int s = 0; s < rows; s += NARROW_ROWS) {
            narrowTile4(b, base + s * k, Math.min(NARROW_ROWS, rows - s), k, packed, at, tile, s * VL);
        }
    }

    /**
     * The per-lane sums of a's row at aRow0 (to tile[lanes + r * VL ..]) and, when twoRows, at aRow1 (to tile[lanes + (ROWS + r)
     * * VL ..]) against the block's rows r < rows of b, four at a time, over p below the last whole vector of k (returned):
     * the lanes for {@link GemmBroadcastRows}' in-order sums.
     */
    static int dotLanes(float[] a, int aRow0, int aRow1, boolean twoRows, float[] b, int base, int rows, int k, float[] tile, int lanes) {
        int p = 0;
        for (int s = 0; s < rows; s += NARROW_ROWS) {
            p = dotLanes4(a, aRow0, aRow1, twoRows, b, base + s * k, Math.min(NARROW_ROWS, rows - s), k, tile, lanes + s * VL,
                    lanes + (ROWS + s) * VL);
        }
        return p;
    }

    /** tile[out + r * WIDE ..][0 .. WIDE) = sum over p of b[base + min(r, rows - 1) * k + p] * packed[at + p * WIDE ..], r < 3. */
    private static void wideTile3(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile, int out) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00;
        for (int p = 0; p < k; p++) {
            int bi = at + p * WIDE;
            FloatVector y0 = FloatVector.fromArray(S, packed, bi), y1 = FloatVector.fromArray(S, packed, bi + VL);
            FloatVector y2 = FloatVector.fromArray(S, packed, bi + 2 * VL);
            FloatVector x = FloatVector.broadcast(S, b[o0 + p]);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02);
            x = FloatVector.broadcast(S, b[o1 + p]);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12);
            x = FloatVector.broadcast(S, b[o2 + p]);
            c20 = x.fma(y0, c20); c21 = x.fma(y1, c21); c22 = x.fma(y2, c22);
        }
        c00.intoArray(tile, out); c01.intoArray(tile, out + VL); c02.intoArray(tile, out + 2 * VL);
        c10.intoArray(tile, out + WIDE); c11.intoArray(tile, out + WIDE + VL); c12.intoArray(tile, out + WIDE + 2 * VL);
        c20.intoArray(tile, out + 2 * WIDE); c21.intoArray(tile, out + 2 * WIDE + VL); c22.intoArray(tile, out + 2 * WIDE + 2 * VL);
    }

    /** tile[out + r * VL ..][0 .. VL) = sum over p of b[base + min(r, rows - 1) * k + p] * packed[at + p * VL ..], r < 4. */
    private static void narrowTile4(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile, int out) {
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
        c0.intoArray(tile, out); c1.intoArray(tile, out + VL); c2.intoArray(tile, out + 2 * VL); c3.intoArray(tile, out + 3 * VL);
    }

    /**
     * The per-lane sums of a's row at aRow0 (to tile[out0 + r * VL ..]) and, when twoRows, at aRow1 (to tile[out1 + r * VL ..])
     * against four rows of b (r < 4), over p below the last whole vector of k (returned).
     */
    private static int dotLanes4(float[] a, int aRow0, int aRow1, boolean twoRows, float[] b, int base, int rows, int k, float[] tile,
                                 int out0, int out1) {
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
        s0.intoArray(tile, out0); s1.intoArray(tile, out0 + VL); s2.intoArray(tile, out0 + 2 * VL); s3.intoArray(tile, out0 + 3 * VL);
        t0.intoArray(tile, out1); t1.intoArray(tile, out1 + VL); t2.intoArray(tile, out1 + 2 * VL); t3.intoArray(tile, out1 + 3 * VL);
        return p;
    }
}
