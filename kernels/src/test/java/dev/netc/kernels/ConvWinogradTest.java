package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Winograd F(2 x 2, 5 x 5) pooled convolutions against a float64 convolution then pooling: odd channel
 * and filter counts (partial vectors and slivers), non-square images, 'same' and 'valid' padding, tile
 * runs that cross images and end inside a GEMM row block. The transforms round differently from the
 * direct kernels, so the comparison has a tolerance: 1e-5 of the output's scale, where an error in a
 * transform matrix would be of the order of the values themselves.
 */
class ConvWinogradTest {

    static Stream<Reference.Conv> cases() {
        return Stream.of(
                Reference.Conv.of(3, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2),  // MNIST conv2
                Reference.Conv.of(2, 17, 10, 14, 37, 5, 5, 1, 2, 2, 2, 2),  // odd channels and filters, non-square
                Reference.Conv.of(1, 16, 6, 6, 5, 5, 5, 1, 2, 2, 2, 2),     // one image, a single partial row block
                Reference.Conv.of(2, 20, 12, 16, 33, 5, 5, 1, 0, 0, 0, 0),  // 'valid': 8 x 12 outputs
                Reference.Conv.of(2, 16, 10, 10, 8, 5, 5, 1, 1, 1, 1, 1));  // padding 1: 8 x 8 outputs
    }

    @ParameterizedTest
    @MethodSource("cases")
    void tileRunsPoolWhatTheConvolutionComputes(Reference.Conv s) {
        for (Activation act : new Activation[] {Activation.RELU, Activation.NONE}) {
            for (boolean withBias : new boolean[] {true, false}) {
                var random = new SplittableRandom(s.hashCode() + 7L * act.ordinal() + (withBias ? 1 : 0));
                float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize());
                float[] bias = withBias ? Reference.random(random, s.f()) : null;
                double[] expected = pooledReference(s, x, w, bias, act);
                ConvGeometry g = geometry(s);
                assertTrue(ConvWinograd.suitsPooled(g, 2, act), s + " is a Winograd geometry");
                float[] u = ConvWinograd.transformWeights(s.f(), s.c(), w, false, null);
                int tiles = s.n() * (s.oh() / 2) * (s.ow() / 2);
                float[] pooled = new float[expected.length];
                var sink = new WinogradSink.Pool(pooled);
                // three runs: the first ends inside a row block, the second crosses into the next image
                int first = Math.min(tiles, 5), second = Math.min(tiles, first + (s.oh() / 2) * (s.ow() / 2) + 3);
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, sink, 0, first);
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, sink, first, second);
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, sink, second, tiles);
                assertClose(expected, pooled, s + " " + act + " bias " + withBias);
                // training: the same runs with the argmax, which must be exact arithmetic's
                byte[] argmax = new byte[expected.length];
                float[] trained = new float[expected.length];
                var argmaxSink = new WinogradSink.PoolArgmax(trained, argmax, w, WinogradArgmax.filterNorms(s.f(), s.c(), w, new float[s.f()]));
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, argmaxSink, 0, first);
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, argmaxSink, first, second);
                ConvWinograd.forwardTiles(g, WinogradImages.images(g, x), u, bias, act, argmaxSink, second, tiles);
                assertClose(expected, trained, s + " " + act + " bias " + withBias + " with argmax");
                assertExactArgmax(s, x, w, bias, act, argmax, s + " " + act + " bias " + withBias);
                // split over the cores as run() splits it: the same bits whatever the runs
                float[] together = new float[expected.length];
                byte[] togetherArgmax = new byte[expected.length];
                ConvWinograd.run(s.n(), g, WinogradImages.images(g, x), u, bias, act,
                        new WinogradSink.PoolArgmax(together, togetherArgmax, w, argmaxSink.norms()));
                assertArrayEquals(trained, together, "pooled, other runs " + s);
                assertArrayEquals(argmax, togetherArgmax, "argmax, other runs " + s);
            }
        }
    }

    /**
     * Ties the rounding of Winograd's transforms would break at random: a uniform background (every cell of
     * a window sees the same patch, so all four are equal in exact arithmetic and in a direct kernel), rows
     * uniform along x (two pairs of equal cells), and near ties (one pixel moved by 1e-6 of its value, which
     * Winograd's error can exceed): the argmax must be exact arithmetic's, the earliest cell among equals.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void trainingArgmaxSettlesTiesAsExactArithmetic(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 13L);
        float[] w = Reference.random(random, s.wSize()), bias = Reference.random(random, s.f());
        float[] x = new float[s.xSize()];
        for (int img = 0; img < s.n(); img++) {
            for (int ch = 0; ch < s.c(); ch++) {
                float background = (float) random.nextDouble(), rowLevel = (float) random.nextDouble();
                for (int iy = 0; iy < s.h(); iy++) {
                    if (iy % 5 == 0) rowLevel = (float) random.nextDouble();
                    for (int ix = 0; ix < s.w(); ix++) {
                        int at = ((img * s.c() + ch) * s.h() + iy) * s.w() + ix;
                        // image 0: uniform; later images: left half uniform, right half uniform along each row
                        x[at] = img == 0 || ix < s.w() / 2 ? background : rowLevel;
                    }
                }
            }
            // a few near ties: one pixel of every channel nudged by about 1e-6 of its value
            for (int k = 0; k < 3; k++) {
                int iy = random.nextInt(s.h()), ix = random.nextInt(s.w());
                for (int ch = 0; ch < s.c(); ch++) {
                    int at = ((img * s.c() + ch) * s.h() + iy) * s.w() + ix;
                    x[at] = Math.nextUp(Math.nextUp(x[at]));
                }
            }
        }
        for (Activation act : new Activation[] {Activation.RELU, Activation.NONE}) {
            byte[] argmax = new byte[s.n() * s.f() * (s.oh() / 2) * (s.ow() / 2)];
            float[] pooled = new float[argmax.length];
            ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(), x, w,
                    bias, act, 2, pooled, argmax);
            assertClose(pooledReference(s, x, w, bias, act), pooled, "pooled " + s + " " + act);
            assertExactArgmax(s, x, w, bias, act, argmax, "ties " + s + " " + act);
        }
    }

    /** Frozen, ConvPooled keeps the transformed filters and gives the bits of a thawed pass; with an argmax (training) too, its argmax exact. */
    @Test
    void frozenWeightsStayTransformedWithTheSameBits() {
        Reference.Conv s = Reference.Conv.of(5, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2);
        var random = new SplittableRandom(11);
        float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize()), bias = Reference.random(random, s.f());
        double[] expected = pooledReference(s, x, w, bias, Activation.RELU);
        float[] thawed = forward(s, x, w, bias, null, null);
        assertClose(expected, thawed, "thawed");
        PackedOperands cache = new PackedOperands();
        assertArrayEquals(thawed, forward(s, x, w, bias, null, cache), "a cache that is off changes nothing");
        cache.enable(true);
        assertArrayEquals(thawed, forward(s, x, w, bias, null, cache), "frozen: the same transform, the same bits");
        float[] transformed = cache.prepared(w, ConvPooled.WINOGRAD_FILTERS);
        assertNotNull(transformed, "the transform is kept while frozen");
        forward(s, x, w, bias, null, cache);
        assertSame(transformed, cache.prepared(w, ConvPooled.WINOGRAD_FILTERS), "and reused");
        byte[] argmax = new byte[expected.length];
        float[] training = forward(s, x, w, bias, argmax, cache);
        assertClose(expected, training, "training (Winograd with the argmax)");
        assertExactArgmax(s, x, w, bias, Activation.RELU, argmax, "training");
        cache.enable(false);
        assertNull(cache.prepared(w, ConvPooled.WINOGRAD_FILTERS), "thawed: nothing kept");
    }

    /** Backward-data from a pooled gradient by Winograd (flipped filters, the expansion in the bordered images) against float64. */
    @ParameterizedTest
    @MethodSource("cases")
    void backwardDataOfTheExpandedGradient(Reference.Conv s) {
        ConvGeometry g = geometry(s);
        assumeTrue(ConvWinograd.suits(Conv2d.backwardDataGeometry(g)) && s.stride() == 1, "Winograd backward-data (16+ filters)");
        var random = new SplittableRandom(s.hashCode() + 3L);
        float[] w = Reference.random(random, s.wSize());
        PooledGradient dy = PooledGradient.random(s, random);
        double[] expected = s.backwardData(dy.expanded(s), w);
        float[] dx = new float[s.xSize()];
        ConvPooled.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(), 2,
                dy.argmax(), dy.values(), w, dx);
        assertClose(expected, dx, "dx " + s);
    }

    /** The filter and bias gradients by F(5 x 5, 2 x 2) from a pooled gradient against float64, over odd shapes. */
    @ParameterizedTest
    @MethodSource("cases")
    void filterGradientOfTheExpandedGradient(Reference.Conv s) {
        ConvGeometry g = geometry(s);
        assumeTrue(ConvWinogradFilter.suits(g, 2), "Winograd filter gradient (16+ channels)");
        var random = new SplittableRandom(s.hashCode() + 5L);
        float[] x = Reference.random(random, s.xSize());
        PooledGradient dy = PooledGradient.random(s, random);
        double[] expected = s.backwardFilter(x, dy.expanded(s)), expectedBias = new double[s.f()];
        for (int i = 0; i < dy.values().length; i++) expectedBias[(i / ((s.oh() / 2) * (s.ow() / 2))) % s.f()] += dy.values()[i];
        float[] dw = new float[s.wSize()], dBias = new float[s.f()];
        ConvPooled.backwardFilterBias(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(),
                s.ow(), x, 2, dy.argmax(), dy.values(), dw, dBias);
        assertClose(expected, dw, "dw " + s);
        assertClose(expectedBias, dBias, "dbias " + s);
    }

    /** A random gradient of 2 x 2 pooled windows: each window's value and the cell (0-3) its argmax names. */
    private record PooledGradient(float[] values, byte[] argmax) {
        static PooledGradient random(Reference.Conv s, SplittableRandom random) {
            int windows = s.n() * s.f() * (s.oh() / 2) * (s.ow() / 2);
            float[] values = Reference.random(random, windows);
            byte[] argmax = new byte[windows];
            for (int i = 0; i < windows; i++) argmax[i] = (byte) random.nextInt(4);
            return new PooledGradient(values, argmax);
        }

        /** dy of the convolution's output: each window's value at the cell its argmax names, zero elsewhere. */
        float[] expanded(Reference.Conv s) {
            float[] dy = new float[s.ySize()];
            int ph = s.oh() / 2, pw = s.ow() / 2;
            for (int i = 0; i < values.length; i++) {
                int plane = i / (ph * pw), py = (i / pw) % ph, px = i % pw;
                dy[(plane * s.oh() + 2 * py + argmax[i] / 2) * s.ow() + 2 * px + argmax[i] % 2] = values[i];
            }
            return dy;
        }
    }

    private static float[] forward(Reference.Conv s, float[] x, float[] w, float[] bias, byte[] argmax, PackedOperands cache) {
        float[] pooled = new float[s.n() * s.f() * (s.oh() / 2) * (s.ow() / 2)];
        ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(), x, w,
                bias, Activation.RELU, 2, pooled, argmax, cache);
        return pooled;
    }

    /** Each argmax is exact arithmetic's (float64 here): the window's largest cell, the earliest among equals. */
    private static void assertExactArgmax(Reference.Conv s, float[] x, float[] w, float[] bias, Activation act, byte[] argmax, String what) {
        double[] cells = cellReference(s, x, w, bias, act);
        for (int i = 0; i < argmax.length; i++) {
            int best = 0;
            for (int cell = 1; cell < 4; cell++) if (cells[4 * i + cell] > cells[4 * i + best]) best = cell;
            if (argmax[i] != best) {
                throw new AssertionError(what + ": argmax[" + i + "] = " + argmax[i] + ", exact arithmetic's is " + best + " (cells "
                        + java.util.Arrays.toString(java.util.Arrays.copyOfRange(cells, 4 * i, 4 * i + 4)) + ")");
            }
        }
    }

    private static ConvGeometry geometry(Reference.Conv s) {
        return new ConvGeometry(s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow());
    }

    /** max over 2 x 2 windows of act(conv + bias), in float64. */
    private static double[] pooledReference(Reference.Conv s, float[] x, float[] w, float[] bias, Activation act) {
        double[] cells = cellReference(s, x, w, bias, act), out = new double[cells.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = Math.max(Math.max(cells[4 * i], cells[4 * i + 1]), Math.max(cells[4 * i + 2], cells[4 * i + 3]));
        return out;
    }

    /** act(conv + bias) in float64, window by window: [window][cell], cell = ky * 2 + kx. */
    private static double[] cellReference(Reference.Conv s, float[] x, float[] w, float[] bias, Activation act) {
        int ph = s.oh() / 2, pw = s.ow() / 2;
        double[] out = new double[4 * s.n() * s.f() * ph * pw];
        for (int img = 0; img < s.n(); img++) {
            for (int f = 0; f < s.f(); f++) {
                for (int py = 0; py < ph; py++) {
                    for (int px = 0; px < pw; px++) {
                        for (int cell = 0; cell < 4; cell++) {
                            int oy = 2 * py + cell / 2, ox = 2 * px + cell % 2;
                            double sum = bias == null ? 0 : bias[f];
                            for (int ch = 0; ch < s.c(); ch++) {
                                for (int ky = 0; ky < 5; ky++) {
                                    for (int kx = 0; kx < 5; kx++) {
                                        int at = s.xIndex(img, ch, oy, ox, ky, kx);
                                        if (at >= 0) sum += (double) x[at] * w[((f * s.c() + ch) * 5 + ky) * 5 + kx];
                                    }
                                }
                            }
                            out[4 * (((img * s.f() + f) * ph + py) * pw + px) + cell] = act == Activation.RELU ? Math.max(sum, 0) : sum;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (err > 1e-5 * scale) {
                throw new AssertionError(what + ": pooled[" + i + "] = " + actual[i] + ", expected " + expected[i] + " (scale " + scale + ")");
            }
        }
    }
}
