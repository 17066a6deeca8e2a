package dev.netc.ir.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.Init;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Keras's orthogonal initialiser: the shorter side's vectors are orthonormal, and a seed gives the same matrix. */
class OrthogonalTest {

    @ParameterizedTest
    @CsvSource({"5, 20", "20, 5", "7, 7", "1, 9"})
    void shorterSideIsOrthonormalAndDeterministic(int rows, int cols) {
        double[] w = Initializers.sample(new Init.Orthogonal(), new int[] {rows, cols}, new SplittableRandom(11));
        assertArrayEquals(w, Initializers.sample(new Init.Orthogonal(), new int[] {rows, cols}, new SplittableRandom(11)));
        boolean byRows = rows <= cols;
        int k = Math.min(rows, cols), n = Math.max(rows, cols);
        for (int p = 0; p < k; p++)
            for (int q = 0; q < k; q++) {
                double dot = 0;
                for (int j = 0; j < n; j++)
                    dot += byRows ? w[p * cols + j] * w[q * cols + j] : w[j * cols + p] * w[j * cols + q];
                assertEquals(p == q ? 1.0 : 0.0, dot, 1e-12, "vectors " + p + ", " + q);
            }
    }
}
