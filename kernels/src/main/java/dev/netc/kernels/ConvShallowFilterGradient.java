package dev.netc.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The filter gradient of a shallow convolution at stride 1 (few taps: C * KH * KW at most
 * {@link #MAX_PATCH}, e.g. the first layer of an image model), with the output positions, its
 * reduction, on the vector lanes: dw[f][t] = sum over q of dy'[f][q] * x'[tapOffsets[t] + q].
 *
 * <p>Why: the implicit GEMM puts positions on the depth side, so it first transposes every image's dy
 * into [positions][F] with scalar copies (as long as its arithmetic for one input channel) and pads 25
 * taps to 32 rows. Here dy is only widened: x' is the zero-bordered image, whose rows are {@code cols =
 * ow + kw - 1} wide, and dy' holds each output row at that width too (zero past ow), so an output
 * position q' = oy * cols + ox and the pixel its tap t reads, tapOffsets[t] + q', move together: every
 * position's product is a lane of a plain vector multiply-add, and the zero columns of dy' cancel the
 * pixels a vector reads across a row end. A register tile is four filters x five taps (20 accumulators,
 * four dy' vectors and five x' vectors per step); each image's tiles are added into per-lane partial
 * sums, and the lanes are summed in order once at the end, so a seed gives the same bits whichever
 * JIT tier runs it. With 32 vector registers (AVX-512) the tile is four filters x five taps (29 of them); with 16 (AVX2)
 * two filters x five taps.
 */
final class ConvShallowFilterGradient {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** Filters and taps per register tile: four x five in 32 vector registers (AVX-512), two x five in 16 (AVX2). */
    private static final int FILTERS = VL >= 16 ? 4 : 2, TAPS = 5;
    /** The most taps (C * KH * KW) this kernel takes: a 5 x 5 filter over three channels. */
    static final int MAX_PATCH = 75;

    private static final Scratch PADDED = new Scratch();
    /** A second copy of the padded image for the two-filter tile's second filter (see {@link #tileOfTwo}). */
    private static final Scratch PADDED_AGAIN = new Scratch();
    private static final Scratch WIDE = new Scratch();
    private static final Scratch PARTIALS = new Scratch();
    private static final Scratch TILE_SUMS = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private ConvShallowFilterGradient() {}

    /** True for the convolutions this kernel serves, and serves better than the implicit GEMM. */
    static boolean suits(ConvGeometry g) {
        return g.stride() == 1 && g.patchSize() <= MAX_PATCH;
    }

    /**
     * dw[f][patch] (and, when dBias is not null, dBias[f] = the sum of dy over images and positions), both
     * overwritten, for a dense dy [n][f][oh][ow].
     */
    static void backwardFilter(int n, ConvGeometry g, float[] x, float[] dy, float[] dw, float[] dBias) {
        Call call = CALLS.acquire();
        try {
            call.run(n, g, x, call.rows.of(dy, g), dw, dBias);
        } finally {
            CALLS.release(call);
        }
    }

    /** {@link #backwardFilter} for dy = dyPooled ([n][f][oh / size][ow / size]) expanded by its argmax. */
    static void backwardFilterPooled(int n, ConvGeometry g, float[] x, float[] dyPooled, byte[] argmax, int size, float[] dw,
                                     float[] dBias) {
        Call call = CALLS.acquire();
        try {
            call.run(n, g, x, call.expanded.of(dyPooled, argmax, size, g), dw, dBias);
        } finally {
            CALLS.release(call);
        }
    }

    /**
     * Writes one image's dy' into dst: filter f's output row oy at {@code f * wide + oy * cols}, whole: its
     * ow values, then zeros up to cols (the kernel zeroes each plane past its last row).
     */
    private interface WideOutput {
        void fill(int image, float[] dst);
    }

    /** The widened layout's row width and plane size for g: rows of the zero-bordered image's width, whole vectors per plane. */
    static int cols(ConvGeometry g) {
        return PaddedImage.of(g).cols();
    }

    static int wide(ConvGeometry g) {
        return Gemm.ceilDiv(g.oh() * cols(g), VL) * VL;
    }

    /** dy' of a dense dy [n][f][oh][ow]: each row copied to its place, the rest of it cleared. Reusable: {@link #of}. */
    private static final class DenseRows implements WideOutput {
        private float[] dy;
        private ConvGeometry g;
        private int cols, wide;

        DenseRows of(float[] dy, ConvGeometry g) {
            this.dy = dy;
            this.g = g;
            if (g != null) {
                cols = cols(g);
                wide = wide(g);
            }
            return this;
        }

        @Override
        public void fill(int image, float[] dst) {
            int from = image * g.outputSize();
            for (int filter = 0; filter < g.f(); filter++) {
                for (int oy = 0; oy < g.oh(); oy++) {
                    int row = filter * wide + oy * cols;
                    System.arraycopy(dy, from + (filter * g.oh() + oy) * g.ow(), dst, row, g.ow());
                    Arrays.fill(dst, row + g.ow(), row + cols, 0f);
                }
            }
        }
    }

    /** dy' of a pooled gradient expanded by its argmax, straight into the widened rows. Reusable: {@link #of}. */
    private static final class ExpandedRows implements WideOutput {
        private float[] dyPooled;
        private byte[] argmax;
        private int size, cols, wide;
        private ConvGeometry g;

        ExpandedRows of(float[] dyPooled, byte[] argmax, int size, ConvGeometry g) {
            this.dyPooled = dyPooled;
            this.argmax = argmax;
            this.size = size;
            this.g = g;
            if (g != null) {
                cols = cols(g);
                wide = wide(g);
            }
            return this;
        }

        @Override
        public void fill(int image, float[] dst) {
            int ph = g.oh() / size, pw = g.ow() / size;
            PoolWindows.expandRows(dyPooled, argmax, image * g.f() * ph * pw, g.f(), ph, pw, size, dst, 0, cols, wide);
        }
    }

    /**
     * One filter gradient's arguments and its two reusable dy' sources (a per-thread frame, see {@link CallFrames}).
     * Images are split into one contiguous chunk per core (8 chunks on 2 cores measured 10% slower), each summing
     * into its own partials, which are added in chunk order at the end.
     */
    private static final class Call implements java.util.function.IntConsumer, CallFrames.Frame {
        final DenseRows rows = new DenseRows();
        final ExpandedRows expanded = new ExpandedRows();
        private int n, chunks, partialSize;
        private ConvGeometry g;
        private PaddedImage pad;
        private float[] x, partials;
        private WideOutput dy;

        void run(int n, ConvGeometry g, float[] x, WideOutput dy, float[] dw, float[] dBias) {
            this.n = n;
            this.g = g;
            this.x = x;
            this.dy = dy;
            pad = PaddedImage.of(g);
            int patch = g.patchSize(), f = g.f();
            chunks = Math.max(1, Math.min(n, Parallel.threads()));
            partialSize = (f * patch + f) * VL; // per-lane sums of dw [f][patch][VL], then of dBias [f][VL]
            partials = PARTIALS.atLeast(chunks * partialSize);
            Arrays.fill(partials, 0, chunks * partialSize, 0f);
            Parallel.forRange(chunks, this);
            for (int filter = 0; filter < f; filter++) {
                for (int t = 0; t < patch; t++) {
                    dw[filter * patch + t] = laneSum(partials, chunks, partialSize, (filter * patch + t) * VL);
                }
                if (dBias != null) {
                    dBias[filter] = laneSum(partials, chunks, partialSize, (f * patch + filter) * VL);
                }
            }
        }

        /** The images of one chunk into its partials. */
        @Override
        public void accept(int chunk) {
            int patch = g.patchSize(), f = g.f(), cols = pad.cols(), wide = wide(g);
            int[] tapOffsets = pad.tapOffsets();
            // a vector at the last position reads up to kw + VL floats past the padded image: finite zeros
            int slack = g.kw() + VL;
            int acc = chunk * partialSize;
            float[] padded = PADDED.atLeast(pad.size() + slack);
            Arrays.fill(padded, pad.size(), pad.size() + slack, 0f);
            float[] again = FILTERS == 2 ? PADDED_AGAIN.atLeast(pad.size() + slack) : padded;
            float[] dyWide = WIDE.atLeast(f * wide);
            float[] tileSums = TILE_SUMS.atLeast(FILTERS * TAPS * VL);
            int endImage = (int) ((long) n * (chunk + 1) / chunks);
            for (int image = (int) ((long) n * chunk / chunks); image < endImage; image++) {
                pad.fill(x, image * g.imageSize(), padded);
                if (again != padded) System.arraycopy(padded, 0, again, 0, pad.size() + slack);
                dy.fill(image, dyWide);
                zeroTails(dyWide, g, cols, wide);
                addBiasSums(dyWide, f, wide, partials, acc + f * patch * VL);
                for (int f0 = 0; f0 < f; f0 += FILTERS) {
                    for (int t0 = 0; t0 < patch; t0 += TAPS) {
                        tile(dyWide, wide, f0, f, padded, again, tapOffsets, t0, patch, partials, acc, tileSums);
                    }
                }
            }
        }

        @Override
        public void clear() {
            x = partials = null;
            dy = null;
            rows.of(null, null);
            expanded.of(null, null, 0, null);
        }
    }

    /** Zeroes what {@link WideOutput} leaves: each plane past its last row. */
    private static void zeroTails(float[] dyWide, ConvGeometry g, int cols, int wide) {
        int used = g.oh() * cols;
        for (int filter = 0; filter < g.f(); filter++) {
            Arrays.fill(dyWide, filter * wide + used, filter * wide + wide, 0f);
        }
    }

    /** Adds each filter's dy' vectors into its per-lane bias sums at biasAcc. */
    private static void addBiasSums(float[] dyWide, int f, int wide, float[] partials, int biasAcc) {
        for (int filter = 0; filter < f; filter++) {
            FloatVector sum = FloatVector.fromArray(S, partials, biasAcc + filter * VL);
            for (int q = 0; q < wide; q += VL) {
                sum = sum.add(FloatVector.fromArray(S, dyWide, filter * wide + q));
            }
            sum.intoArray(partials, biasAcc + filter * VL);
        }
    }

    /**
     * Filters [f0, f0 + 4) x taps [t0, t0 + 5) of one image, added into the per-lane sums at acc. Past the
     * last filter or tap the tile repeats it; those sums are computed and dropped.
     */
    private static void tile(float[] dyWide, int wide, int f0, int f, float[] padded, float[] again, int[] tapOffsets, int t0, int patch,
                             float[] partials, int acc, float[] tileSums) {
        if (FILTERS == 2) {
            tileOfTwo(dyWide, wide, f0, f, padded, again, tapOffsets, t0, patch, partials, acc, tileSums);
            return;
        }
        int d0 = f0 * wide, d1 = Math.min(f0 + 1, f - 1) * wide, d2 = Math.min(f0 + 2, f - 1) * wide, d3 = Math.min(f0 + 3, f - 1) * wide;
        int x0 = tapOffsets[t0], x1 = tapOffsets[Math.min(t0 + 1, patch - 1)], x2 = tapOffsets[Math.min(t0 + 2, patch - 1)];
        int x3 = tapOffsets[Math.min(t0 + 3, patch - 1)], x4 = tapOffsets[Math.min(t0 + 4, patch - 1)];
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        for (int q = 0; q < wide; q += VL) {
            FloatVector y0 = FloatVector.fromArray(S, dyWide, d0 + q);
            FloatVector y1 = FloatVector.fromArray(S, dyWide, d1 + q);
            FloatVector y2 = FloatVector.fromArray(S, dyWide, d2 + q);
            FloatVector y3 = FloatVector.fromArray(S, dyWide, d3 + q);
            FloatVector v = FloatVector.fromArray(S, padded, x0 + q);
            a00 = y0.fma(v, a00); a10 = y1.fma(v, a10); a20 = y2.fma(v, a20); a30 = y3.fma(v, a30);
            v = FloatVector.fromArray(S, padded, x1 + q);
            a01 = y0.fma(v, a01); a11 = y1.fma(v, a11); a21 = y2.fma(v, a21); a31 = y3.fma(v, a31);
            v = FloatVector.fromArray(S, padded, x2 + q);
            a02 = y0.fma(v, a02); a12 = y1.fma(v, a12); a22 = y2.fma(v, a22); a32 = y3.fma(v, a32);
            v = FloatVector.fromArray(S, padded, x3 + q);
            a03 = y0.fma(v, a03); a13 = y1.fma(v, a13); a23 = y2.fma(v, a23); a33 = y3.fma(v, a33);
            v = FloatVector.fromArray(S, padded, x4 + q);
            a04 = y0.fma(v, a04); a14 = y1.fma(v, a14); a24 = y2.fma(v, a24); a34 = y3.fma(v, a34);
        }
        // stored, then added by a loop: a call taking vectors would box them (this method is past C2's inlining budget)
        a00.intoArray(tileSums, 0); a01.intoArray(tileSums, VL); a02.intoArray(tileSums, 2 * VL); a03.intoArray(tileSums, 3 * VL); a04.intoArray(tileSums, 4 * VL);
        a10.intoArray(tileSums, 5 * VL); a11.intoArray(tileSums, 6 * VL); a12.intoArray(tileSums, 7 * VL); a13.intoArray(tileSums, 8 * VL); a14.intoArray(tileSums, 9 * VL);
        a20.intoArray(tileSums, 10 * VL); a21.intoArray(tileSums, 11 * VL); a22.intoArray(tileSums, 12 * VL); a23.intoArray(tileSums, 13 * VL); a24.intoArray(tileSums, 14 * VL);
        a30.intoArray(tileSums, 15 * VL); a31.intoArray(tileSums, 16 * VL); a32.intoArray(tileSums, 17 * VL); a33.intoArray(tileSums, 18 * VL); a34.intoArray(tileSums, 19 * VL);
        addTile(tileSums, partials, acc, f0, f, t0, patch);
    }

    /**
     * {@link #tile} for filters [f0, f0 + 2): ten accumulators and two dy' vectors in sixteen registers, each image vector
     * loaded twice, from the padded image for the first filter and from its copy {@code again} for the second. Loaded once
     * for both, the five image vectors were live at once in C2's unrolled loop with the twelve others and it spilled
     * accumulators; loaded from two arrays, each load has one use and becomes the fma's memory operand (loads from one array
     * at one index C2 merges). conv1's filter gradient on one Zen 5 core under -XX:UseAVX=2: 10-14% faster, the same bits.
     */
    private static void tileOfTwo(float[] dyWide, int wide, int f0, int f, float[] padded, float[] again, int[] tapOffsets, int t0,
                                  int patch, float[] partials, int acc, float[] tileSums) {
        int d0 = f0 * wide, d1 = Math.min(f0 + 1, f - 1) * wide;
        int x0 = tapOffsets[t0], x1 = tapOffsets[Math.min(t0 + 1, patch - 1)], x2 = tapOffsets[Math.min(t0 + 2, patch - 1)];
        int x3 = tapOffsets[Math.min(t0 + 3, patch - 1)], x4 = tapOffsets[Math.min(t0 + 4, patch - 1)];
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        for (int q = 0; q < wide; q += VL) {
            FloatVector y0 = FloatVector.fromArray(S, dyWide, d0 + q);
            FloatVector y1 = FloatVector.fromArray(S, dyWide, d1 + q);
            a00 = y0.fma(FloatVector.fromArray(S, padded, x0 + q), a00); a10 = y1.fma(FloatVector.fromArray(S, again, x0 + q), a10);
            a01 = y0.fma(FloatVector.fromArray(S, padded, x1 + q), a01); a11 = y1.fma(FloatVector.fromArray(S, again, x1 + q), a11);
            a02 = y0.fma(FloatVector.fromArray(S, padded, x2 + q), a02); a12 = y1.fma(FloatVector.fromArray(S, again, x2 + q), a12);
            a03 = y0.fma(FloatVector.fromArray(S, padded, x3 + q), a03); a13 = y1.fma(FloatVector.fromArray(S, again, x3 + q), a13);
            a04 = y0.fma(FloatVector.fromArray(S, padded, x4 + q), a04); a14 = y1.fma(FloatVector.fromArray(S, again, x4 + q), a14);
        }
        a00.intoArray(tileSums, 0); a01.intoArray(tileSums, VL); a02.intoArray(tileSums, 2 * VL); a03.intoArray(tileSums, 3 * VL); a04.intoArray(tileSums, 4 * VL);
        a10.intoArray(tileSums, 5 * VL); a11.intoArray(tileSums, 6 * VL); a12.intoArray(tileSums, 7 * VL); a13.intoArray(tileSums, 8 * VL); a14.intoArray(tileSums, 9 * VL);
        addTile(tileSums, partials, acc, f0, f, t0, patch);
    }

    /** Adds the tile's sums ([filter][tap][VL], FILTERS x five) of the filters and taps that exist into their per-lane partials. */
    private static void addTile(float[] tileSums, float[] partials, int acc, int f0, int f, int t0, int patch) {
        int filters = Math.min(FILTERS, f - f0), taps = Math.min(TAPS, patch - t0);
        for (int i = 0; i < filters; i++) {
            int to = acc + ((f0 + i) * patch + t0) * VL;
            for (int j = 0; j < taps * VL; j += VL) {
                FloatVector.fromArray(S, partials, to + j).add(FloatVector.fromArray(S, tileSums, (i * TAPS) * VL + j))
                        .intoArray(partials, to + j);
            }
        }
    }

    /** The sum over chunks, in order, of each chunk's lanes at offset summed in lane order. */
    private static float laneSum(float[] partials, int chunks, int partialSize, int offset) {
        float total = 0f;
        for (int chunk = 0; chunk < chunks; chunk++) {
            float sum = 0f;
            int at = chunk * partialSize + offset;
            for (int lane = 0; lane < VL; lane++) {
                sum += partials[at + lane];
            }
            total += sum;
        }
        return total;
    }
}
