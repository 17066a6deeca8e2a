package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpiralsTest {
    @Test
    void splitsEightyTwentyWithBalancedClasses() {
        DatasetSplits s = Spirals.generate(1000, 0.05, 1.5, 3);
        Dataset train = s.train(), test = s.test().orElseThrow();
        assertEquals(800, train.size());
        assertEquals(200, test.size());
        assertArrayEquals(new int[] {2}, train.exampleShape());
        assertEquals(2, train.classes());
        int[] all = {train.labelHistogram()[0] + test.labelHistogram()[0], train.labelHistogram()[1] + test.labelHistogram()[1]};
        assertArrayEquals(new int[] {500, 500}, all);
        assertTrue(train.labelHistogram()[0] > 300 && train.labelHistogram()[1] > 300, "shuffled before splitting");
    }

    @Test
    void deterministicForASeed() {
        assertEquals(Spirals.generate(200, 0.1, 2, 9), Spirals.generate(200, 0.1, 2, 9));
        assertNotEquals(Spirals.generate(200, 0.1, 2, 9), Spirals.generate(200, 0.1, 2, 10));
    }

    @Test
    void noiselessPointsLieOnTwoOppositeSpirals() {
        Dataset train = Spirals.generate(400, 0, 1, 1).train();
        for (int i = 0; i < train.size(); i++) {
            double x = train.features()[2 * i], y = train.features()[2 * i + 1];
            double r = Math.hypot(x, y);
            assertTrue(r > 0.04 && r <= 1.0001, "radius " + r);
            // On a spiral with one turn, angle = 2 pi t + class * pi where r = 0.05 + 0.95 t.
            double t = (r - 0.05) / 0.95;
            double expected = 2 * Math.PI * t + train.labels()[i] * Math.PI;
            double dx = Math.cos(expected) * r - x, dy = Math.sin(expected) * r - y;
            assertTrue(Math.hypot(dx, dy) < 1e-4, "point " + i + " is off its spiral");
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Spirals.generate(5, 0.1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Spirals.generate(100, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Spirals.generate(100, 0.1, 0, 0));
    }
}
