package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assumeTrue(GemmGatheredMicroKernel.AVAILABLE, "Winograd runs on AVX-512 only (the gathered micro-kernel)");
        for (Activation act : new Activation[] {Activation.RELU, Activation.NONE}) {
            for (boolean withBias : new boolean[] {true, false}) {
                var random = new SplittableRandom(s.hashCode() + 7L * act.ordinal() + (withBias ? 1 : 0));
                float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize());
                float[] bias = withBias ? Reference.random(random, s.f()) : null;
                double[] expected = pooledReference(s, x, w, bias, act);
                ConvGeometry g = geometry(s);
                assertTrue(ConvWinograd.suits(g, 2, act), s + " is a Winograd geometry");
                float[] u = ConvWinograd.transformWeights(g, w);
                int tiles = s.n() * (s.oh() / 2) * (s.ow() / 2);
                float[] pooled = new float[expected.length];
                // three runs: the first ends inside a row block, the second crosses into the next image
                int first = Math.min(tiles, 5), second = Math.min(tiles, first + (s.oh() / 2) * (s.ow() / 2) + 3);
                ConvWinograd.forwardTiles(g, x, u, bias, act, pooled, 0, first);
                ConvWinograd.forwardTiles(g, x, u, bias, act, pooled, first, second);
                ConvWinograd.forwardTiles(g, x, u, bias, act, pooled, second, tiles);
                assertClose(expected, pooled, s + " " + act + " bias " + withBias);
            }
        }
    }

    /** ConvPooled takes the Winograd path only at inference with a frozen-weights cache, and keeps the transform there. */
    @Test
    void pooledConvolutionUsesTheTransformedFiltersOnlyWhenFrozenAndWithoutArgmax() {
        assumeTrue(GemmGatheredMicroKernel.AVAILABLE, "Winograd runs on AVX-512 only (the gathered micro-kernel)");
        Reference.Conv s = Reference.Conv.of(5, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2);
        var random = new SplittableRandom(11);
        float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize()), bias = Reference.random(random, s.f());
        double[] expected = pooledReference(s, x, w, bias, Activation.RELU);
        float[] direct = forward(s, x, w, bias, null, null), frozenOff = new float[expected.length];
        PackedOperands cache = new PackedOperands();
        System.arraycopy(forward(s, x, w, bias, null, cache), 0, frozenOff, 0, frozenOff.length);
        assertEquals(java.util.Arrays.toString(direct), java.util.Arrays.toString(frozenOff), "a cache that is off changes nothing");
        cache.enable(true);
        float[] winograd = forward(s, x, w, bias, null, cache);
        assertClose(expected, winograd, "frozen");
        assertFalse(java.util.Arrays.equals(direct, winograd), "the frozen pass rounds as Winograd does, not as the direct kernel");
        float[] transformed = cache.prepared(w, "winograd-f2x2-5x5", () -> null);
        assertNotNull(transformed, "the transform is kept while frozen");
        forward(s, x, w, bias, null, cache);
        assertSame(transformed, cache.prepared(w, "winograd-f2x2-5x5", () -> null), "and reused");
        byte[] argmax = new byte[expected.length];
        assertEquals(java.util.Arrays.toString(direct), java.util.Arrays.toString(forward(s, x, w, bias, argmax, cache)),
                "with an argmax wanted (training) the direct kernel runs");
        cache.enable(false);
        assertNull(cache.prepared(w, "winograd-f2x2-5x5", () -> new float[1]), "thawed: nothing kept");
    }

    private static float[] forward(Reference.Conv s, float[] x, float[] w, float[] bias, byte[] argmax, PackedOperands cache) {
        float[] pooled = new float[s.n() * s.f() * (s.oh() / 2) * (s.ow() / 2)];
        ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(), x, w,
                bias, Activation.RELU, 2, pooled, argmax, cache);
        return pooled;
    }

    private static ConvGeometry geometry(Reference.Conv s) {
        return new ConvGeometry(s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow());
    }

    /** max over 2 x 2 windows of act(conv + bias), in float64. */
    private static double[] pooledReference(Reference.Conv s, float[] x, float[] w, float[] bias, Activation act) {
        int ph = s.oh() / 2, pw = s.ow() / 2;
        double[] out = new double[s.n() * s.f() * ph * pw];
        for (int img = 0; img < s.n(); img++) {
            for (int f = 0; f < s.f(); f++) {
                for (int py = 0; py < ph; py++) {
                    for (int px = 0; px < pw; px++) {
                        double best = Double.NEGATIVE_INFINITY;
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
                            best = Math.max(best, act == Activation.RELU ? Math.max(sum, 0) : sum);
                        }
                        out[((img * s.f() + f) * ph + py) * pw + px] = best;
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
