package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The ten-row register tile of the GEMM with 16-float vectors (AVX-512): ten rows x two vectors, 20 accumulators, for
 * products whose rows split into whole ten-row tiles but not twelve-row ones. A batch of 50 through a dense layer is
 * five such tiles, where twelve-row panels leave four tiles and two rows that the four-row kernel computes at about the
 * cost of eight. 50 x 1024 x 3136 with bias and ReLU on two Zen 5 cores (in-process alternation, W in cache): from
 * panels 0.944-0.950 -> 0.868-0.878 ms (81-82% of the FMA peak), packing W per call 1.096-1.270 -> 1.070-1.189; one
 * core 1.844 -> 1.799 from panels, packing unchanged. Each element sums the same terms in the same order, so the bits are
 * the same. See {@link GemmMicroKernel#panelRows}.
 */
final class GemmTenRows {
    static final int ROWS = 10;
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL, NR = GemmMicroKernel.NR;

    private GemmTenRows() {}

    /**
     * tile[tileOff ..] (+)= a ten-row panel (kc x 10: step p's rows at ap[apOff + p * 10 ..]) @ a packed B sliver (kc x NR,
     * step p at bp[bpOff + p * NR]), row r of the tile at tileOff + r * ld; accumulating adds the tile's values to what is
     * there (tile + c, as {@link GemmMicroKernel#storeRows} adds).
     */
    static void multiply(float[] ap, int apOff, float[] bp, int bpOff, int depth, float[] tile, int tileOff, int ld,
                         boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        FloatVector c80 = c00, c81 = c00, c90 = c00, c91 = c00;
        for (int p = 0; p < depth; p++) { // one k step a trip: two were no faster (0.861 against 0.855 ms for 50 x 1024 x 3136, two Zen 5 cores)
            int bi = bpOff + p * NR, ai = apOff + p * ROWS;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
        }
        if (accumulate) { // tile + c, as storeRows adds
            c00 = c00.add(FloatVector.fromArray(S, tile, tileOff)); c01 = c01.add(FloatVector.fromArray(S, tile, tileOff + VL));
            c10 = c10.add(FloatVector.fromArray(S, tile, tileOff + ld)); c11 = c11.add(FloatVector.fromArray(S, tile, tileOff + ld + VL));
            c20 = c20.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld)); c21 = c21.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld + VL));
            c30 = c30.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld)); c31 = c31.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld + VL));
            c40 = c40.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld)); c41 = c41.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld + VL));
            c50 = c50.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld)); c51 = c51.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld + VL));
            c60 = c60.add(FloatVector.fromArray(S, tile, tileOff + 6 * ld)); c61 = c61.add(FloatVector.fromArray(S, tile, tileOff + 6 * ld + VL));
            c70 = c70.add(FloatVector.fromArray(S, tile, tileOff + 7 * ld)); c71 = c71.add(FloatVector.fromArray(S, tile, tileOff + 7 * ld + VL));
            c80 = c80.add(FloatVector.fromArray(S, tile, tileOff + 8 * ld)); c81 = c81.add(FloatVector.fromArray(S, tile, tileOff + 8 * ld + VL));
            c90 = c90.add(FloatVector.fromArray(S, tile, tileOff + 9 * ld)); c91 = c91.add(FloatVector.fromArray(S, tile, tileOff + 9 * ld + VL));
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + ld); c11.intoArray(tile, tileOff + ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld); c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld); c31.intoArray(tile, tileOff + 3 * ld + VL);
        c40.intoArray(tile, tileOff + 4 * ld); c41.intoArray(tile, tileOff + 4 * ld + VL);
        c50.intoArray(tile, tileOff + 5 * ld); c51.intoArray(tile, tileOff + 5 * ld + VL);
        c60.intoArray(tile, tileOff + 6 * ld); c61.intoArray(tile, tileOff + 6 * ld + VL);
        c70.intoArray(tile, tileOff + 7 * ld); c71.intoArray(tile, tileOff + 7 * ld + VL);
        c80.intoArray(tile, tileOff + 8 * ld); c81.intoArray(tile, tileOff + 8 * ld + VL);
        c90.intoArray(tile, tileOff + 9 * ld); c91.intoArray(tile, tileOff + 9 * ld + VL);
    }
}
