package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The eight-row micro-kernel of {@link GemmMicroKernel} with its A operand read straight from an
 * image instead of a packed panel: A[p][r] = a[depthOffsets[p] + rowOffsets[r]], the im2col matrix
 * of a zero-bordered image ({@link PaddedImage}) by its tap and position offset tables.
 *
 * <p>Why: the implicit GEMM's gather copies each eight-wide slice of im2col into a panel before the
 * micro-kernel reads it; where that panel serves one or two vector slivers only (backward-filter,
 * backward-data of a layer with 32 input channels) the copy cost a fifth of the kernel. Reading the
 * eight values where they are is slower per multiply-add (an index load and eight bounds-checked
 * loads per step: about 87% of the packed kernel in L1) but needs no copy at all. AVX-512 only
 * (eight rows, 32 registers); with fewer registers the panel form runs.
 *
 * <p>Where A is affine rather than gathered (Winograd's transformed tiles), {@link #multiplyRows} and
 * {@link #multiplyAddSlivers} index it by the loop counter and constants instead, so the JIT hoists the
 * bounds checks that the tables' loads keep at every step: these two run on every machine, as two four-row halves where there
 * are sixteen vector registers (AVX2), so Winograd's convolutions run there too.
 */
final class GemmGatheredMicroKernel {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int NR = GemmMicroKernel.NR;
    /** The rows of a tile (the packed kernel's eight on AVX-512). */
    static final int ROWS = 8;
    /** Whether this kernel runs on this machine (the packed kernel has eight rows). */
    static final boolean AVAILABLE = GemmMicroKernel.MR == ROWS;

    private GemmGatheredMicroKernel() {}

    /**
     * tile[tileOff ..][8 x NR] = A (depth x 8, A[p][r] = a[depthOffsets[p] + rowOffsets[rowFirst + min(r, rows - 1)]])
     * @ B (depth x NR, packed: row p at bpOff + p * NR). Rows from {@code rows} on repeat the last row
     * (their results are discarded by the caller).
     */
    static void multiply(float[] a, int[] depthOffsets, int[] rowOffsets, int rowFirst, int rows, float[] bp, int bpOff,
                         int depth, float[] tile, int tileOff) {
        int o0 = rowOffsets[rowFirst + Math.min(0, rows - 1)], o1 = rowOffsets[rowFirst + Math.min(1, rows - 1)], o2 = rowOffsets[rowFirst + Math.min(2, rows - 1)], o3 = rowOffsets[rowFirst + Math.min(3, rows - 1)], o4 = rowOffsets[rowFirst + Math.min(4, rows - 1)], o5 = rowOffsets[rowFirst + Math.min(5, rows - 1)], o6 = rowOffsets[rowFirst + Math.min(6, rows - 1)], o7 = rowOffsets[rowFirst + Math.min(7, rows - 1)];
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            int at = depthOffsets[p];
            FloatVector x = FloatVector.broadcast(S, a[at + o0]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[at + o1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[at + o2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[at + o3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[at + o4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[at + o5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[at + o6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[at + o7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, tileOff);
        c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + 1 * NR);
        c11.intoArray(tile, tileOff + 1 * NR + VL);
        c20.intoArray(tile, tileOff + 2 * NR);
        c21.intoArray(tile, tileOff + 2 * NR + VL);
        c30.intoArray(tile, tileOff + 3 * NR);
        c31.intoArray(tile, tileOff + 3 * NR + VL);
        c40.intoArray(tile, tileOff + 4 * NR);
        c41.intoArray(tile, tileOff + 4 * NR + VL);
        c50.intoArray(tile, tileOff + 5 * NR);
        c51.intoArray(tile, tileOff + 5 * NR + VL);
        c60.intoArray(tile, tileOff + 6 * NR);
        c61.intoArray(tile, tileOff + 6 * NR + VL);
        c70.intoArray(tile, tileOff + 7 * NR);
        c71.intoArray(tile, tileOff + 7 * NR + VL);
    }

    /**
     * tile[tileOff ..][8 x NR] = A (depth x 8) @ B (depth x NR, packed) where each row of A is contiguous:
     * A[p][r] = a[rowBase + min(r, rows - 1) * rowStride + p] (a Winograd block's transformed tiles, a tile's
     * channels in a row). The same sums as {@link #multiply} with depth offsets 0, 1, 2, ..., but each load indexes
     * a by the loop counter plus an invariant, so the JIT hoists the bounds checks that the offset table's loads
     * need at every step: the MNIST CNN's conv2 Winograd products 1.86-1.91 ms against 2.31-2.38 (one core).
     * (A null offset table in {@link #multiply} instead, unswitched by the JIT, measured no faster.)
     */
    static void multiplyRows(float[] a, int rowBase, int rowStride, int rows, float[] bp, int bpOff, int depth, float[] tile,
                             int tileOff) {
        if (!AVAILABLE) { // sixteen registers: the eight rows as two halves of four (the same sums)
            multiplyRowsHalf(a, rowBase, rowStride, rows, 0, bp, bpOff, depth, tile, tileOff);
            multiplyRowsHalf(a, rowBase, rowStride, rows, 4, bp, bpOff, depth, tile, tileOff);
            return;
        }
        int o0 = rowBase, o1 = rowBase + Math.min(1, rows - 1) * rowStride, o2 = rowBase + Math.min(2, rows - 1) * rowStride;
        int o3 = rowBase + Math.min(3, rows - 1) * rowStride, o4 = rowBase + Math.min(4, rows - 1) * rowStride;
        int o5 = rowBase + Math.min(5, rows - 1) * rowStride, o6 = rowBase + Math.min(6, rows - 1) * rowStride;
        int o7 = rowBase + Math.min(7, rows - 1) * rowStride;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[o0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[o1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[o2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[o3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[o4 + p]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[o5 + p]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[o6 + p]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[o7 + p]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + NR); c11.intoArray(tile, tileOff + NR + VL);
        c20.intoArray(tile, tileOff + 2 * NR); c21.intoArray(tile, tileOff + 2 * NR + VL);
        c30.intoArray(tile, tileOff + 3 * NR); c31.intoArray(tile, tileOff + 3 * NR + VL);
        c40.intoArray(tile, tileOff + 4 * NR); c41.intoArray(tile, tileOff + 4 * NR + VL);
        c50.intoArray(tile, tileOff + 5 * NR); c51.intoArray(tile, tileOff + 5 * NR + VL);
        c60.intoArray(tile, tileOff + 6 * NR); c61.intoArray(tile, tileOff + 6 * NR + VL);
        c70.intoArray(tile, tileOff + 7 * NR); c71.intoArray(tile, tileOff + 7 * NR + VL);
    }

    /**
     * tile[tileOff ..][8 x NR] += A (depth x 8) @ B (depth x NR, packed), A's eight rows side by side in rows of NR floats:
     * A[p][r] = a[base + p * NR + min(r, rows - 1)] (a Winograd filter gradient's transformed tiles: channels in slivers
     * of NR, the tiles the depth). The stride is a constant, so the JIT hoists the loads' bounds checks that an offset
     * table's loads keep: 213-218 against 181-193 GFLOP/s for the MNIST CNN's conv2 shapes in L1 (one core, same sums).
     */
    static void multiplyAddSlivers(float[] a, int base, int rows, float[] bp, int bpOff, int depth, float[] tile, int tileOff) {
        if (!AVAILABLE) { // sixteen registers: the eight rows as two halves of four (the same sums)
            multiplyAddSliversHalf(a, base, rows, 0, bp, bpOff, depth, tile, tileOff);
            multiplyAddSliversHalf(a, base, rows, 4, bp, bpOff, depth, tile, tileOff);
            return;
        }
        int o1 = Math.min(1, rows - 1), o2 = Math.min(2, rows - 1), o3 = Math.min(3, rows - 1), o4 = Math.min(4, rows - 1);
        int o5 = Math.min(5, rows - 1), o6 = Math.min(6, rows - 1), o7 = Math.min(7, rows - 1);
        FloatVector c00 = FloatVector.fromArray(S, tile, tileOff), c01 = FloatVector.fromArray(S, tile, tileOff + VL);
        FloatVector c10 = FloatVector.fromArray(S, tile, tileOff + NR), c11 = FloatVector.fromArray(S, tile, tileOff + NR + VL);
        FloatVector c20 = FloatVector.fromArray(S, tile, tileOff + 2 * NR), c21 = FloatVector.fromArray(S, tile, tileOff + 2 * NR + VL);
        FloatVector c30 = FloatVector.fromArray(S, tile, tileOff + 3 * NR), c31 = FloatVector.fromArray(S, tile, tileOff + 3 * NR + VL);
        FloatVector c40 = FloatVector.fromArray(S, tile, tileOff + 4 * NR), c41 = FloatVector.fromArray(S, tile, tileOff + 4 * NR + VL);
        FloatVector c50 = FloatVector.fromArray(S, tile, tileOff + 5 * NR), c51 = FloatVector.fromArray(S, tile, tileOff + 5 * NR + VL);
        FloatVector c60 = FloatVector.fromArray(S, tile, tileOff + 6 * NR), c61 = FloatVector.fromArray(S, tile, tileOff + 6 * NR + VL);
        FloatVector c70 = FloatVector.fromArray(S, tile, tileOff + 7 * NR), c71 = FloatVector.fromArray(S, tile, tileOff + 7 * NR + VL);
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR, at = base + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[at]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[at + o1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[at + o2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[at + o3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[at + o4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[at + o5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[at + o6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[at + o7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + NR); c11.intoArray(tile, tileOff + NR + VL);
        c20.intoArray(tile, tileOff + 2 * NR); c21.intoArray(tile, tileOff + 2 * NR + VL);
        c30.intoArray(tile, tileOff + 3 * NR); c31.intoArray(tile, tileOff + 3 * NR + VL);
        c40.intoArray(tile, tileOff + 4 * NR); c41.intoArray(tile, tileOff + 4 * NR + VL);
        c50.intoArray(tile, tileOff + 5 * NR); c51.intoArray(tile, tileOff + 5 * NR + VL);
        c60.intoArray(tile, tileOff + 6 * NR); c61.intoArray(tile, tileOff + 6 * NR + VL);
        c70.intoArray(tile, tileOff + 7 * NR); c71.intoArray(tile, tileOff + 7 * NR + VL);
    }

    /**
     * Rows [first, first + 4) of {@link #multiplyRows}'s tile, for machines with sixteen vector registers (AVX2): eight
     * accumulators, two B vectors and a broadcast. Each element sums the same terms in the same order.
     */
    private static void multiplyRowsHalf(float[] a, int rowBase, int rowStride, int rows, int first, float[] bp, int bpOff,
                                         int depth, float[] tile, int tileOff) {
        int o0 = rowBase + Math.min(first, rows - 1) * rowStride, o1 = rowBase + Math.min(first + 1, rows - 1) * rowStride;
        int o2 = rowBase + Math.min(first + 2, rows - 1) * rowStride, o3 = rowBase + Math.min(first + 3, rows - 1) * rowStride;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[o0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[o1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[o2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[o3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        int at = tileOff + first * NR;
        c00.intoArray(tile, at); c01.intoArray(tile, at + VL);
        c10.intoArray(tile, at + NR); c11.intoArray(tile, at + NR + VL);
        c20.intoArray(tile, at + 2 * NR); c21.intoArray(tile, at + 2 * NR + VL);
        c30.intoArray(tile, at + 3 * NR); c31.intoArray(tile, at + 3 * NR + VL);
    }

    /** Rows [first, first + 4) of {@link #multiplyAddSlivers}'s tile, as {@link #multiplyRowsHalf} is of multiplyRows'. */
    private static void multiplyAddSliversHalf(float[] a, int base, int rows, int first, float[] bp, int bpOff, int depth,
                                               float[] tile, int tileOff) {
        int o0 = Math.min(first, rows - 1), o1 = Math.min(first + 1, rows - 1), o2 = Math.min(first + 2, rows - 1);
        int o3 = Math.min(first + 3, rows - 1);
        int at0 = tileOff + first * NR;
        FloatVector c00 = FloatVector.fromArray(S, tile, at0), c01 = FloatVector.fromArray(S, tile, at0 + VL);
        FloatVector c10 = FloatVector.fromArray(S, tile, at0 + NR), c11 = FloatVector.fromArray(S, tile, at0 + NR + VL);
        FloatVector c20 = FloatVector.fromArray(S, tile, at0 + 2 * NR), c21 = FloatVector.fromArray(S, tile, at0 + 2 * NR + VL);
        FloatVector c30 = FloatVector.fromArray(S, tile, at0 + 3 * NR), c31 = FloatVector.fromArray(S, tile, at0 + 3 * NR + VL);
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR, at = base + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[at + o0]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[at + o1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[at + o2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[at + o3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, at0); c01.intoArray(tile, at0 + VL);
        c10.intoArray(tile, at0 + NR); c11.intoArray(tile, at0 + NR + VL);
        c20.intoArray(tile, at0 + 2 * NR); c21.intoArray(tile, at0 + 2 * NR + VL);
        c30.intoArray(tile, at0 + 3 * NR); c31.intoArray(tile, at0 + 3 * NR + VL);
    }
}
