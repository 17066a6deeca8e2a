package dev.netc.codegen.java.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution at stride 1 for shallow filters (small C * KH * KW, e.g. the first layer of an
 * image model): six filters x sixteen consecutive output columns of one output row per register tile,
 * the sixteen input values of each filter tap loaded straight from a zero-bordered copy of the image.
 *
 * <p>Why: with a reduction of only 25 taps, {@link ConvImplicitGemm} spends more time gathering its
 * panel and storing its transposed tile than multiplying. Here nothing is gathered and every output
 * row is written with plain vector stores, bias and activation applied on the way. A row whose width
 * is not a multiple of 16 ends with a tile shifted left to end at the last column; the columns it
 * shares with the previous tile are computed twice and written twice with the same values.
 */
final class ConvRowKernel {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int MR = GemmMicroKernel.MR;
    private static final int NR = GemmMicroKernel.NR;

    private static final Scratch PACKED_WEIGHTS = new Scratch();
    private static final Scratch PADDED = new Scratch();

    private ConvRowKernel() {}

    /** True for the shapes this kernel handles, and handles better than the implicit GEMM. */
    static boolean suits(ConvGeometry g) {
        return g.stride() == 1 && g.ow() >= NR && g.patchSize() <= 64;
    }

    /** y = act(conv(x, w) + bias[f]) for the n images; y is overwritten; bias may be null. */
    static void forward(int n, ConvGeometry g, float[] x, float[] w, float[] bias, Activation act, float[] y) {
        if (n <= 0) {
            return;
        }
        int patch = g.patchSize();
        int slivers = Gemm.ceilDiv(g.f(), MR);
        float[] packed = PACKED_WEIGHTS.atLeast(slivers * MR * patch);
        for (int s = 0; s < slivers; s++) {
            GemmPacking.packA(false, g.f(), patch, w, 0, s * MR, 0, patch, packed, s * MR * patch);
        }
        PaddedImage pad = PaddedImage.of(g);
        int[] taps = pad.tapOffsets();
        // Whole images per task when the batch fills the cores, else bands of output rows.
        int bands = n >= 2 * Parallel.threads() ? 1 : Math.min(g.oh(), Gemm.ceilDiv(2 * Parallel.threads(), n));
        int rowsPerBand = Gemm.ceilDiv(g.oh(), bands);
        Parallel.forRange(n * bands, task -> {
            int image = task / bands;
            int firstRow = (task % bands) * rowsPerBand;
            int endRow = Math.min(g.oh(), firstRow + rowsPerBand);
            float[] work = PADDED.atLeast(pad.size() + MR * NR);
            int tile = pad.size();
            pad.fill(x, image * g.imageSize(), work);
            int yOff = image * g.outputSize();
            for (int oy = firstRow; oy < endRow; oy++) {
                for (int ox = 0; ox < g.ow(); ox += NR) {
                    int x0 = Math.min(ox, g.ow() - NR);
                    int base = oy * pad.cols() + x0;
                    for (int s = 0; s < slivers; s++) {
                        multiply(packed, s * MR * patch, taps, patch, work, base, tile);
                        store(work, tile, s * MR, g, bias, act, y, yOff + oy * g.ow() + x0);
                    }
                }
            }
        });
    }

    /** tile[MR][NR] = weights sliver ([patch][MR]) x the NR image columns each tap sees from base. */
    private static void multiply(float[] wp, int wpOff, int[] taps, int patch, float[] img, int base, int tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < patch; p++) {
            int at = base + taps[p];
            FloatVector b0 = FloatVector.fromArray(S, img, at);
            FloatVector b1 = FloatVector.fromArray(S, img, at + VL);
            int ai = wpOff + p * MR;
            FloatVector a = FloatVector.broadcast(S, wp[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, wp[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, wp[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, wp[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, wp[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, wp[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(img, tile);
        c01.intoArray(img, tile + VL);
        c10.intoArray(img, tile + NR);
        c11.intoArray(img, tile + NR + VL);
        c20.intoArray(img, tile + 2 * NR);
        c21.intoArray(img, tile + 2 * NR + VL);
        c30.intoArray(img, tile + 3 * NR);
        c31.intoArray(img, tile + 3 * NR + VL);
        c40.intoArray(img, tile + 4 * NR);
        c41.intoArray(img, tile + 4 * NR + VL);
        c50.intoArray(img, tile + 5 * NR);
        c51.intoArray(img, tile + 5 * NR + VL);
    }

    /** Writes tile row r (filter f0 + r) to that filter's output row at y[rowOff + f * positions]. */
    private static void store(float[] work, int tile, int f0, ConvGeometry g, float[] bias, Activation act,
                              float[] y, int rowOff) {
        int rows = Math.min(MR, g.f() - f0);
        int positions = g.outputPositions();
        for (int r = 0; r < rows; r++) {
            int f = f0 + r;
            int to = rowOff + f * positions;
            for (int half = 0; half < NR; half += VL) {
                FloatVector v = FloatVector.fromArray(S, work, tile + r * NR + half);
                if (bias != null) {
                    v = v.add(bias[f]);
                }
                v.intoArray(y, to + half);
                act.applyVector(y, to + half);
            }
        }
    }
}
