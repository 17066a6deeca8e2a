package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The direct convolutions' eight-row tile ({@link GemmMicroKernel#DIRECT_MR}) with its A operand read straight from an
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
 * <p>Where A is affine rather than gathered (Winograd's transformed tiles), {@link #multiplyInterleaved} and
 * {@link #multiplyAddSlivers} index it by the loop counter and constants instead, so the JIT hoists the
 * bounds checks that the tables' loads keep at every step: these two run on every machine (with sixteen vector registers,
 * AVX2, as halves of six and four rows), so Winograd's convolutions run there too.
 */
final class GemmGatheredMicroKernel {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int NR = GemmMicroKernel.NR;
    /** The rows of a tile of {@link #multiply} and {@link #multiplyAddSlivers} (the packed kernel's eight on AVX-512). */
    static final int ROWS = 8;
    /**
     * The rows of a tile of {@link #multiplyInterleaved}: eight with 32 vector registers, twelve (two halves of six) with
     * sixteen (AVX2), where six rows x two vectors is the most accumulators that leave room for the B vectors and a broadcast.
     */
    static final int INTERLEAVED_ROWS = GemmMicroKernel.VL >= 16 ? 8 : 12;
    /** Whether this kernel runs on this machine (the direct convolutions' tile has eight rows). */
    static final boolean AVAILABLE = GemmMicroKernel.DIRECT_MR == ROWS;

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
     * tile[tileOff ..][R x NR] = A (depth x R) @ B (depth x NR, packed), R = {@link #INTERLEAVED_ROWS}, A's rows interleaved a
     * vector at a time: A[p][r] = a[base + (p / VL) * R * VL + r * VL + p % VL], depth a multiple of VL (a Winograd block's
     * transformed tiles at one point: each vector of channels of its R tiles side by side). The same sums as {@link #multiply}
     * with a plain offset table, but every row sits a constant distance from the first, so each broadcast is one load off
     * one index, with its bounds check hoisted. With rows a runtime stride apart (a register and an add each, per step)
     * the MNIST CNN's conv2 products ran, with 8-float vectors, at 77-82 GFLOP/s (32 channels) and 86-91 (64) against
     * 88-92 and 98 this way (Zen 4, one core, in L1); with 16-float vectors, 106 either way (32) and 106 against 109 (64).
     */
    static void multiplyInterleaved(float[] a, int base, float[] bp, int bpOff, int depth, float[] tile, int tileOff) {
        if (INTERLEAVED_ROWS == 12) { // sixteen registers: the twelve rows as two halves of six (the same sums)
            multiplyInterleavedHalf(a, base, bp, bpOff, depth, tile, tileOff);
            multiplyInterleavedHalf(a, base + 6 * VL, bp, bpOff, depth, tile, tileOff + 6 * NR);
            return;
        }
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p0 = 0; p0 < depth; p0 += VL) {
            int at = base + p0 * INTERLEAVED_ROWS, bAt = bpOff + p0 * NR;
            for (int j = 0; j < VL; j++) { // a constant count: the JIT unrolls it, the rows at literal offsets
                int bi = bAt + j * NR, ai = at + j;
                FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
                FloatVector x = FloatVector.broadcast(S, a[ai]);
                c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, a[ai + VL]);
                c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, a[ai + 2 * VL]);
                c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, a[ai + 3 * VL]);
                c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(S, a[ai + 4 * VL]);
                c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(S, a[ai + 5 * VL]);
                c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
                x = FloatVector.broadcast(S, a[ai + 6 * VL]);
                c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
                x = FloatVector.broadcast(S, a[ai + 7 * VL]);
                c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            }
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
     * A[p][r] = a[base + p * NR + r] (a Winograd filter gradient's transformed tiles: channels in slivers of NR, the tiles
     * the depth; past the layer's channels its padded ones, which are zero). The stride is a constant, so the JIT hoists
     * the loads' bounds checks that an offset table's loads keep: 213-218 against 181-193 GFLOP/s for the MNIST CNN's conv2
     * shapes in L1 (one core, same sums). The rows sit at literal offsets from one index: with 8-float vectors, offsets
     * clamped to the rows in use (a register each) ran at 86 GFLOP/s against 92-94 (Zen 4, one core, in L1).
     */
    static void multiplyAddSlivers(float[] a, int base, float[] bp, int bpOff, int depth, float[] tile, int tileOff) {
        if (!AVAILABLE) { // sixteen registers: the eight rows as two halves of four (the same sums)
            multiplyAddSliversHalf(a, base, bp, bpOff, depth, tile, tileOff);
            multiplyAddSliversHalf(a, base + 4, bp, bpOff, depth, tile, tileOff + 4 * NR);
            return;
        }
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
            x = FloatVector.broadcast(S, a[at + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[at + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[at + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[at + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[at + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[at + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[at + 7]);
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
     * Six rows of {@link #multiplyInterleaved}'s twelve (A's rows from base on, the tile's from tileOff on), for machines
     * with sixteen vector registers (AVX2): twelve accumulators, two B vectors and a broadcast, as the packed kernel's
     * six-row tile. The same sums. In L1 on the Zen 4 with 8-float vectors, one core, the MNIST CNN's conv2 depths 32 and
     * 64: 98-107 GFLOP/s, against 91-96 for eight rows as two halves of four.
     */
    private static void multiplyInterleavedHalf(float[] a, int base, float[] bp, int bpOff, int depth, float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p0 = 0; p0 < depth; p0 += VL) {
            int at = base + p0 * INTERLEAVED_ROWS, bAt = bpOff + p0 * NR;
            for (int j = 0; j < VL; j++) {
                int bi = bAt + j * NR, ai = at + j;
                FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
                FloatVector x = FloatVector.broadcast(S, a[ai]);
                c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, a[ai + VL]);
                c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, a[ai + 2 * VL]);
                c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, a[ai + 3 * VL]);
                c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(S, a[ai + 4 * VL]);
                c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(S, a[ai + 5 * VL]);
                c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            }
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + NR); c11.intoArray(tile, tileOff + NR + VL);
        c20.intoArray(tile, tileOff + 2 * NR); c21.intoArray(tile, tileOff + 2 * NR + VL);
        c30.intoArray(tile, tileOff + 3 * NR); c31.intoArray(tile, tileOff + 3 * NR + VL);
        c40.intoArray(tile, tileOff + 4 * NR); c41.intoArray(tile, tileOff + 4 * NR + VL);
        c50.intoArray(tile, tileOff + 5 * NR); c51.intoArray(tile, tileOff + 5 * NR + VL);
    }

    /** Four rows of {@link #multiplyAddSlivers}' tile (A's rows from base on, the tile's from at0 on), for sixteen vector registers. */
    private static void multiplyAddSliversHalf(float[] a, int base, float[] bp, int bpOff, int depth, float[] tile, int at0) {
        FloatVector c00 = FloatVector.fromArray(S, tile, at0), c01 = FloatVector.fromArray(S, tile, at0 + VL);
        FloatVector c10 = FloatVector.fromArray(S, tile, at0 + NR), c11 = FloatVector.fromArray(S, tile, at0 + NR + VL);
        FloatVector c20 = FloatVector.fromArray(S, tile, at0 + 2 * NR), c21 = FloatVector.fromArray(S, tile, at0 + 2 * NR + VL);
        FloatVector c30 = FloatVector.fromArray(S, tile, at0 + 3 * NR), c31 = FloatVector.fromArray(S, tile, at0 + 3 * NR + VL);
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR, at = base + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[at]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[at + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[at + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[at + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, at0); c01.intoArray(tile, at0 + VL);
        c10.intoArray(tile, at0 + NR); c11.intoArray(tile, at0 + NR + VL);
        c20.intoArray(tile, at0 + 2 * NR); c21.intoArray(tile, at0 + 2 * NR + VL);
        c30.intoArray(tile, at0 + 3 * NR); c31.intoArray(tile, at0 + 3 * NR + VL);
    }
}
