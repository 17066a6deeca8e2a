package dev.netc.ir.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Init;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InitializersTest {

    private static double[] draw(Init init, int... shape) { return Initializers.sample(init, shape, new SplittableRandom(1234)); }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / v.length);
    }

    private static double maxAbs(double[] v, double center) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x - center));
        return m;
    }

    @Test
    void constantInitialisers() {
        assertArrayEquals(new double[6], draw(new Init.Zeros(), 2, 3));
        assertArrayEquals(new double[] {1, 1, 1}, draw(new Init.Ones(), 3));
        assertArrayEquals(new double[] {0.5, 0.5}, draw(new Init.Constant(0.5), 2, 1));
        assertArrayEquals(new double[] {1, 2, 3, 4}, draw(new Init.Values(new double[] {1, 2, 3, 4}), 2, 2));
        assertThrows(IllegalArgumentException.class, () -> draw(new Init.Values(new double[] {1, 2, 3}), 2, 2));
    }

    @Test
    void normalHasItsMeanAndStd() {
        double[] v = draw(new Init.Normal(1.5, 0.3), 200, 500);
        assertEquals(1.5, mean(v), 0.005);
        assertEquals(0.3, std(v), 0.005);
        assertTrue(maxAbs(v, 1.5) > 2 * 0.3, "an untruncated normal exceeds two std in 100k draws");
    }

    @Test
    void truncatedNormalStaysWithinTwoStd() {
        double[] v = draw(new Init.TruncatedNormal(-1, 0.5), 100_000);
        assertTrue(maxAbs(v, -1) <= 1.0);
        assertEquals(-1, mean(v), 0.005);
        assertEquals(0.5 * Initializers.TRUNCATED_STD, std(v), 0.005);
    }

    @Test
    void uniformAndGlorotRespectTheirBounds() {
        double[] u = draw(new Init.Uniform(2, 4), 100_000);
        assertTrue(maxAbs(u, 3) <= 1);
        assertEquals(3, mean(u), 0.01);
        assertEquals(2 / Math.sqrt(12), std(u), 0.005);
        // conv kernel [F=16, C=8, 3, 3]: fan_in = 72, fan_out = 144
        double[] g = draw(new Init.GlorotUniform(), 16, 8, 3, 3);
        double limit = Math.sqrt(6.0 / (72 + 144));
        assertTrue(maxAbs(g, 0) <= limit);
        assertTrue(maxAbs(g, 0) > 0.95 * limit);
    }

    @Test
    void glorotStdMatchesItsLimit() {
        double[] g = draw(new Init.GlorotUniform(), 300, 500);
        double limit = Math.sqrt(6.0 / 800);
        assertEquals(limit / Math.sqrt(3), std(g), 0.002);
        assertEquals(0, mean(g), 0.002);
    }

    @Test
    void heNormalHasKerasStdAndIsTruncated() {
        double[] v = draw(new Init.HeNormal(), 400, 300);
        double stddev = Math.sqrt(2.0 / 400);
        assertEquals(stddev, std(v), 0.01 * stddev);
        assertEquals(0, mean(v), 0.01 * stddev);
        assertTrue(maxAbs(v, 0) <= 2 * stddev / Initializers.TRUNCATED_STD + 1e-12);
    }

    @Test
    void sameSeedSameValuesDifferentSeedDifferentValues() {
        for (Init init : new Init[] {new Init.Normal(0, 1), new Init.TruncatedNormal(0, 1), new Init.Uniform(-1, 1),
                new Init.GlorotUniform(), new Init.HeNormal()}) {
            double[] a = Initializers.sample(init, new int[] {5, 7}, new SplittableRandom(99));
            double[] b = Initializers.sample(init, new int[] {5, 7}, new SplittableRandom(99));
            double[] c = Initializers.sample(init, new int[] {5, 7}, new SplittableRandom(100));
            assertArrayEquals(a, b, init.toString());
            assertTrue(!java.util.Arrays.equals(a, c), init.toString());
        }
    }
}
