package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution at stride 1 for shallow filters (small C * KH * KW, e.g. the first layer of an
 * image model): MR filters (6 or 8) x sixteen consecutive output columns of one output row per register tile,
 * the sixteen input values of each filter tap loaded straight from a zero-bordered copy of the image.
 *
 * <p>Why: with a reduction of only 25 taps, {@link ConvImplicitGemm} spends more time gathering its
 * panel and storing its transposed tile than multiplying. Here nothing is gathered and every output
 * row is written with plain vector stores, bias and activation applied on the way. A row whose width
 * is not a multiple of the tile's ends with a tile shifted left to end at the last column; the columns it
 * shares with the previous tile are computed twice and written twice with the same values. A row
 * narrower than the tile (28 columns against 32 on AVX-512) is one tile whose extra columns read past
 * the row (into the next row, or a slack after the image) and are never stored.
 */
final class ConvRowKernel {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int MR = GemmMicroKernel.DIRECT_MR;
    private static final int NR = GemmMicroKernel.NR;

    private static final Scratch PACKED_WEIGHTS = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);
    private static final Scratch PADDED = new Scratch();

    private ConvRowKernel() {}

    /** True for the shapes this kernel handles, and handles better than the implicit GEMM. */
    static boolean suits(ConvGeometry g) {
        return g.stride() == 1 && g.ow() >= VL && g.patchSize() <= 64;
    }

    /** y = act(conv(x, w) + bias[f]) for the n images; y is overwritten; bias may be null. */
    static void forward(int n, ConvGeometry g, float[] x, float[] w, float[] bias, Activation act, float[] y) {
        forward(n, g, x, 0, w, bias, act, y, 0);
    }

    /** {@link #forward} for the n images from x[xOff] on, into y from yOff on. */
    static void forward(int n, ConvGeometry g, float[] x, int xOff, float[] w, float[] bias, Activation act, float[] y,
                        int yOff) {
        if (n <= 0) {
            return;
        }
        int patch = g.patchSize();
        int slivers = Gemm.ceilDiv(g.f(), MR);
        float[] packed = PACKED_WEIGHTS.atLeast(slivers * MR * patch);
        for (int s = 0; s < slivers; s++) {
            GemmPacking.packA(MR, false, g.f(), patch, w, 0, s * MR, 0, patch, packed, s * MR * patch);
        }
        int bands = ConvFrame.partsPerImage(n, g.oh()); // bands of output rows
        int rowsPerBand = Gemm.ceilDiv(g.oh(), bands);
        Call call = CALLS.acquire();
        try {
            call.convolution(g, x, xOff, packed, bias, act, y, yOff, bands, rowsPerBand);
            call.slivers = slivers;
            Parallel.forRange(n * bands, call);
        } finally {
            CALLS.release(call);
        }
    }

    /** One forward pass's frame: the parts of an image are bands of its output rows. */
    private static final class Call extends ConvFrame {
        int slivers;

        @Override
        public void accept(int task) {
            int[] taps = pad.tapOffsets();
            int patch = g.patchSize();
            int image = task / parts;
            int firstRow = (task % parts) * perPart;
            int endRow = Math.min(g.oh(), firstRow + perPart);
            // a row narrower than the tile reads up to NR - ow floats past the image: a slack before the tile
            int tile = pad.size() + Math.max(0, NR - g.ow());
            float[] work = PADDED.atLeast(tile + MR * NR);
            pad.fill(x, xOff + image * g.imageSize(), work);
            int imageOff = yOff + image * g.outputSize();
            for (int oy = firstRow; oy < endRow; oy++) {
                for (int ox = 0; ox < g.ow(); ox += NR) {
                    int x0 = Math.max(0, Math.min(ox, g.ow() - NR));
                    int base = oy * pad.cols() + x0;
                    for (int s = 0; s < slivers; s++) {
                        // the NR image columns each tap sees from base: B rows at base + taps[p]
                        GemmMicroKernel.multiply(weights, s * MR * patch, work, base, taps, patch, work, tile);
                        store(work, tile, s * MR, g, bias, act, y, imageOff + oy * g.ow() + x0);
                    }
                }
            }
        }
    }

    /**
     * Writes tile row r (filter f0 + r) to that filter's output row at y[rowOff + f * positions]: the
     * tile's first min(NR, ow) columns (a narrower row's last vector with a mask).
     */
    private static void store(float[] work, int tile, int f0, ConvGeometry g, float[] bias, Activation act,
                              float[] y, int rowOff) {
        int rows = Math.min(MR, g.f() - f0);
        int positions = g.outputPositions();
        int cols = Math.min(NR, g.ow());
        for (int r = 0; r < rows; r++) {
            int f = f0 + r;
            int to = rowOff + f * positions;
            for (int half = 0; half < cols; half += VL) {
                // straight-line vector code (see Activation#inRegisterFloor): no bias adds -0
                FloatVector v = FloatVector.fromArray(S, work, tile + r * NR + half).add(bias == null ? -0f : bias[f]);
                // ReLU in the register (a second pass over the stored row cost a fifth of the kernel's time)
                v = v.max(act.inRegisterFloor());
                if (cols - half >= VL) {
                    v.intoArray(y, to + half);
                    if (!act.appliesInRegister()) {
                        act.applyVector(y, to + half);
                    }
                } else {
                    VectorMask<Float> live = S.indexInRange(0, cols - half);
                    v.intoArray(y, to + half, live);
                    if (!act.appliesInRegister()) {
                        act.applyVector(y, to + half, live);
                    }
                }
            }
        }
    }
}
