package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The library reduction and the ReLU-masked pooling gradient against plain reference loops. */
class ReductionsAndPoolingTest {

    @ParameterizedTest(name = "[{0}, {1}, {2}] scale {3}")
    @CsvSource({
            "50, 32, 784, 1",     // conv bias gradient, parallel over channels
            "50, 1024, 1, 1",     // dense bias gradient, vectors along the units
            "3, 10, 1, 0.25",     // small, serial, with a tail shorter than a vector
            "7, 3, 13, 1",        // rows with a scalar tail
            "1, 1, 100003, 0.5",  // a full reduction
            "70000, 1, 1, 1"})    // a long column
    void sumMatchesAFloat64Reference(int outer, int kept, int inner, float scale) {
        float[] x = random(outer * kept * inner, 1);
        float[] out = new float[kept];
        Reductions.sum(x, outer, kept, inner, scale, out);
        for (int k = 0; k < kept; k++) {
            double expected = 0;
            for (int p = 0; p < outer; p++)
                for (int q = 0; q < inner; q++) expected += x[(p * kept + k) * inner + q];
            expected *= scale;
            assertEquals(expected, out[k], 1e-5 * Math.max(1, Math.sqrt((double) outer * inner)), "output " + k);
        }
    }

    @ParameterizedTest(name = "{0}x{1} image, window {2} stride {3}")
    @CsvSource({"28, 28, 2, 2", "15, 15, 3, 2", "8, 8, 2, 1"})
    void reluMaskedPoolGradientIsPoolGradientTimesTheMask(int h, int w, int size, int stride) {
        int n = 3, c = 4;
        int oh = (h - size) / stride + 1, ow = (w - size) / stride + 1;
        float[] x = random(n * c * h * w, 2); // about half the cells negative, as after a ReLU they would be 0
        for (int i = 0; i < x.length; i += 5) x[i] = 0f; // exact zeros: the ReLU mask must drop these too
        float[] dy = random(n * c * oh * ow, 3);
        float[] plain = new float[x.length], masked = new float[x.length];
        Pooling.maxPoolGrad(n, c, h, w, size, stride, 0, 0, oh, ow, x, dy, plain);
        Pooling.maxPoolGrad(n, c, h, w, size, stride, 0, 0, oh, ow, x, dy, masked, true);
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = x[i] > 0f ? plain[i] : 0f;
        assertArrayEquals(expected, masked, 0f);
        int routed = 0;
        for (float v : masked) if (v != 0f) routed++;
        org.junit.jupiter.api.Assertions.assertTrue(routed > 0, "some gradient must pass the mask");
    }

    private static float[] random(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }
}
