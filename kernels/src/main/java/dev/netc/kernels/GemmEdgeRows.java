package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles for the few rows of C past a product's whole {@link GemmMicroKernel#MR}-row tiles, which the
 * few-rows GEMM ({@link GemmCall}, a dense layer at a small batch) runs instead of a mostly empty MR-row tile: on
 * AVX-512 the last one or two rows computed while their B slivers are packed ({@link #packingTile}); with four- or
 * six-row tiles the last one or two rows against two slivers at once ({@link #twoRowsOfTwoSlivers}). Each sums every
 * element's terms in the order {@link GemmMicroKernel#tile} does, so the bits do not depend on which tile ran.
 */
final class GemmEdgeRows {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL, MR = GemmMicroKernel.MR, NR = GemmMicroKernel.NR;

    private GemmEdgeRows() {}

    /** Rows of C past a product's whole five- or six-row tiles that {@link #twoRowsOfTwoSlivers} computes: one or two. */
    static final int PAIRED_ROWS = 2;

    /**
     * With five- or six-row tiles, the one or two rows past a product's whole tiles (a batch of 52 or 51 on AVX2)
     * against two adjacent slivers at once: C[row0 .. row0 + rows) x [col0, col0 + NR + cols1) (+)= A (an MR-row panel,
     * tile row r at ap[apOff + p * MR + r]) @ the slivers at bpOff0 and bpOff1 (kc x NR each, the second cols1 wide).
     * Eight accumulators keep both FMA pipes busy, where an MR-row tile for these rows would compute two or three times their
     * work. Each element sums the same terms in the same order as {@link GemmMicroKernel#tile}: the same bits. tile holds 2 x 2 NR floats.
     */
    static void twoRowsOfTwoSlivers(float[] ap, int apOff, float[] bp, int bpOff0, int bpOff1, int kc, float[] c, int cOff, int ldc,
                                    int row0, int rows, int col0, int cols1, boolean accumulate, Epilogue epilogue, float[] tile,
                                    int tileOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        for (int p = 0; p < kc; p++) {
            int b0At = bpOff0 + p * NR, b1At = bpOff1 + p * NR, ai = apOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b0At), b1 = FloatVector.fromArray(S, bp, b0At + VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, b1At), b3 = FloatVector.fromArray(S, bp, b1At + VL);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02); c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12); c13 = a.fma(b3, c13);
        }
        int second = tileOff + 2 * NR; // the second sliver's two rows
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL); c10.intoArray(tile, tileOff + NR); c11.intoArray(tile, tileOff + NR + VL);
        c02.intoArray(tile, second); c03.intoArray(tile, second + VL); c12.intoArray(tile, second + NR); c13.intoArray(tile, second + NR + VL);
        int base = cOff + row0 * ldc + col0;
        GemmMicroKernel.storeRows(tile, tileOff, c, base, ldc, row0, rows, col0, NR, accumulate, epilogue);
        GemmMicroKernel.storeRows(tile, second, c, base + NR, ldc, row0, rows, col0 + NR, cols1, accumulate, epilogue);
    }

    /** B slivers a {@link #packingTile} reads and packs at once: four (512 contiguous bytes of a row of B on AVX-512). */
    static final int PACKING_SLIVERS = 4;
    /** Rows of C a {@link #packingTile} computes at most: two on AVX-512 (sixteen accumulators), none with fewer registers. */
    static final int PACKING_ROWS = VL >= 16 ? 2 : 0;

    /**
     * The last rows (at most {@link #PACKING_ROWS}: the rows past a product's whole MR-row tiles, or its last two) of C
     * against {@link #PACKING_SLIVERS} full slivers of a row-major B, packing those slivers as it reads them: C[row0 ..
     * row0 + rows) x [col0, col0 + 4 NR) (+)= A (packed kc x MR; tile row r at ap[apOff + p * MR + r]) @ B (row p at
     * b[bRow0 + p * ldb]), and each sliver s of B copied to packed[packedOff + s * NR * kc ..] ([kc][NR], as
     * {@link GemmPacking#packRowMajorB} lays it out) for the full tiles that follow; tile holds the rows x four slivers. The copy's loads are the
     * product's own, so reading B (cold, a page a row for a dense layer's W) overlaps the arithmetic instead of
     * running as a pass of its own, and these rows do not take a half-empty tile of their own. Each element sums
     * the same terms in the same order as {@link GemmMicroKernel#tile}: the same bits.
     */
    static void packingTile(float[] ap, int apOff, float[] b, int bRow0, int ldb, int kc, float[] packed, int packedOff,
                            float[] c, int cOff, int ldc, int row0, int rows, int col0, boolean accumulate, Epilogue epilogue,
                            float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00, c06 = c00, c07 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00, c16 = c00, c17 = c00;
        int s1 = packedOff + NR * kc, s2 = s1 + NR * kc, s3 = s2 + NR * kc;
        for (int p = 0; p < kc; p++) {
            int bi = bRow0 + p * ldb, to = p * NR;
            FloatVector a0 = FloatVector.broadcast(S, ap[apOff + p * MR]);
            FloatVector a1 = FloatVector.broadcast(S, ap[apOff + p * MR + 1]);
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            b0.intoArray(packed, packedOff + to);
            b1.intoArray(packed, packedOff + to + VL);
            c00 = a0.fma(b0, c00); c10 = a1.fma(b0, c10); c01 = a0.fma(b1, c01); c11 = a1.fma(b1, c11);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + NR);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + NR + VL);
            b2.intoArray(packed, s1 + to);
            b3.intoArray(packed, s1 + to + VL);
            c02 = a0.fma(b2, c02); c12 = a1.fma(b2, c12); c03 = a0.fma(b3, c03); c13 = a1.fma(b3, c13);
            FloatVector b4 = FloatVector.fromArray(S, b, bi + 2 * NR);
            FloatVector b5 = FloatVector.fromArray(S, b, bi + 2 * NR + VL);
            b4.intoArray(packed, s2 + to);
            b5.intoArray(packed, s2 + to + VL);
            c04 = a0.fma(b4, c04); c14 = a1.fma(b4, c14); c05 = a0.fma(b5, c05); c15 = a1.fma(b5, c15);
            FloatVector b6 = FloatVector.fromArray(S, b, bi + 3 * NR);
            FloatVector b7 = FloatVector.fromArray(S, b, bi + 3 * NR + VL);
            b6.intoArray(packed, s3 + to);
            b7.intoArray(packed, s3 + to + VL);
            c06 = a0.fma(b6, c06); c16 = a1.fma(b6, c16); c07 = a0.fma(b7, c07); c17 = a1.fma(b7, c17);
        }
        // tile[row][PACKING_SLIVERS * NR]: each row's four slivers side by side
        int row1 = tileOff + PACKING_SLIVERS * NR;
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL); c02.intoArray(tile, tileOff + 2 * VL);
        c03.intoArray(tile, tileOff + 3 * VL); c04.intoArray(tile, tileOff + 4 * VL); c05.intoArray(tile, tileOff + 5 * VL);
        c06.intoArray(tile, tileOff + 6 * VL); c07.intoArray(tile, tileOff + 7 * VL);
        c10.intoArray(tile, row1); c11.intoArray(tile, row1 + VL); c12.intoArray(tile, row1 + 2 * VL);
        c13.intoArray(tile, row1 + 3 * VL); c14.intoArray(tile, row1 + 4 * VL); c15.intoArray(tile, row1 + 5 * VL);
        c16.intoArray(tile, row1 + 6 * VL); c17.intoArray(tile, row1 + 7 * VL);
        for (int r = 0; r < rows; r++) {
            int rowIndex = cOff + (row0 + r) * ldc + col0;
            for (int q = 0; q < PACKING_SLIVERS * NR; q += VL) {
                GemmMicroKernel.storeFull(tile, tileOff + r * PACKING_SLIVERS * NR + q, c, rowIndex + q, row0 + r, col0 + q, accumulate, epilogue);
            }
        }
    }
}
