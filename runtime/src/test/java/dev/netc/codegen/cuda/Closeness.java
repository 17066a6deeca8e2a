package dev.netc.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Element-by-element comparison of two backends' float32 results. */
final class Closeness {
    private Closeness() {}

    /**
     * Asserts |actual - expected| <= rtol * max(|expected|, rms(expected)) per element (relative, but
     * elements far below the tensor's typical size are held to that size: float32 sums of mixed-sign
     * terms cannot do better) and returns the largest error seen, as text.
     *
     * @param adamGrad for a parameter after one Adam step, its gradient: Adam's first step moves each
     *                 element by about lr * sign(g), so where g is non-zero but at float32 noise level
     *                 (below 1e-4 of its rms) either sign is right and the element is skipped; else null. At most
     *                 2.5% may be skipped: the Java backend's Winograd filter gradient (AVX-512) turns gradients
     *                 that are exactly zero by structure (a filter live in a few windows of the batch, their
     *                 inputs zero at some taps) into float32 noise, 1.8% of the MNIST CNN's conv2 kernel at batch 3
     */
    static String check(double[] expected, double[] actual, double rtol, double[] adamGrad, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double rms = rms(expected), gradNoise = adamGrad == null ? -1 : 1e-4 * rms(adamGrad);
        double worst = 0;
        int skipped = 0;
        for (int i = 0; i < expected.length; i++) {
            if (adamGrad != null && adamGrad[i] != 0 && Math.abs(adamGrad[i]) <= gradNoise) {
                skipped++;
                continue;
            }
            double scale = Math.max(Math.max(Math.abs(expected[i]), rms), 1e-30);
            double err = Math.abs(actual[i] - expected[i]) / scale;
            if (!(err <= rtol))
                fail(what + "[" + i + "] of " + expected.length + ": expected " + expected[i] + " but got " + actual[i]
                        + " (relative error " + err + ")");
            worst = Math.max(worst, err);
        }
        if (skipped > expected.length / 40 + 1) fail(what + ": " + skipped + " elements with a gradient at noise level");
        return String.format("%d elements, max relative error %.2e%s", expected.length, worst, skipped > 0 ? ", " + skipped + " skipped" : "");
    }

    private static double rms(double[] v) {
        double ss = 0;
        for (double e : v) ss += e * e;
        return Math.sqrt(ss / Math.max(1, v.length));
    }
}
