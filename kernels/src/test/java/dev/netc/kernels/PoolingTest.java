package dev.netc.kernels;

import static dev.netc.kernels.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoolingTest {

    /** Naive pooling: scans each window in row-major order and keeps the first strict maximum. */
    private record Pool(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft, int oh, int ow) {
        double[][] forwardAndGrad(float[] x, float[] dy) {
            double[] y = new double[n * c * oh * ow];
            double[] dx = new double[n * c * h * w];
            for (int plane = 0; plane < n * c; plane++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int bestIndex = -1;
                        boolean first = true;
                        for (int ky = 0; ky < size; ky++) {
                            for (int kx = 0; kx < size; kx++) {
                                int iy = oy * stride - padTop + ky;
                                int ix = ox * stride - padLeft + kx;
                                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                int index = (plane * h + iy) * w + ix;
                                double v = inside ? x[index] : Double.NEGATIVE_INFINITY;
                                if (first || v > best) {
                                    first = false;
                                    best = v;
                                    bestIndex = inside ? index : -1;
                                }
                            }
                        }
                        int out = (plane * oh + oy) * ow + ox;
                        y[out] = best;
                        if (bestIndex >= 0) {
                            dx[bestIndex] += dy[out];
                        }
                    }
                }
            }
            return new double[][] {y, dx};
        }
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} size={4} stride={5} pad=({6},{7}) out={8}x{9}")
    @CsvSource({
        "2, 3, 8, 8, 2, 2, 0, 0, 4, 4",
        "2, 5, 14, 14, 2, 2, 0, 0, 7, 7", // tiled 2x2, rows of 7 windows (vector forms, a partial vector)
        "1, 3, 28, 36, 2, 2, 0, 0, 14, 18",
        "3, 2, 9, 7, 2, 2, 0, 0, 4, 3",   // odd sizes: last row/column dropped
        "2, 2, 9, 9, 3, 2, 1, 1, 5, 5",   // overlapping windows with padding: gradients accumulate
        "1, 4, 6, 5, 3, 1, 1, 0, 6, 3",   // asymmetric padding, stride 1
    })
    void matchesReferenceWithManyTies(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                                      int oh, int ow) {
        var random = new SplittableRandom(n * 100 + h * 10 + size);
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(3) - 4; // few distinct negative values: ties everywhere, padding never wins
        }
        float[] dy = Reference.random(random, n * c * oh * ow);
        float[] y = Reference.random(random, dy.length);
        float[] dx = Reference.random(random, x.length);
        Pool pool = new Pool(n, c, h, w, size, stride, padTop, padLeft, oh, ow);
        double[][] expected = pool.forwardAndGrad(x, dy);

        Pooling.maxPool(n, c, h, w, size, stride, padTop, padLeft, oh, ow, x, y);
        Pooling.maxPoolGrad(n, c, h, w, size, stride, padTop, padLeft, oh, ow, x, dy, dx);

        assertClose(expected[0], y, 0, 0, "maxPool");
        assertClose(expected[1], dx, 0, 1e-6, "maxPoolGrad");
    }

    @Test
    void gradientGoesToFirstMaximumInRowMajorOrder() {
        float[] x = {
            1, 5, 5, 2,
            5, 0, 3, 3,
        };
        float[] dy = {10, 20};
        float[] y = new float[2];
        float[] dx = new float[8];
        Pooling.maxPool(1, 1, 2, 4, 2, 2, 0, 0, 1, 2, x, y);
        Pooling.maxPoolGrad(1, 1, 2, 4, 2, 2, 0, 0, 1, 2, x, dy, dx);
        assertArrayEquals(new float[] {5, 5}, y);
        assertArrayEquals(new float[] {0, 10, 20, 0, 0, 0, 0, 0}, dx);
    }

    @Test
    void paddedCellsNeverWin() {
        float[] x = {-3, -1, -2, -5};
        float[] y = new float[4];
        float[] dx = new float[4];
        // 2x2 input, 2x2 windows, stride 1, one cell of padding on top/left: every window holds padding.
        Pooling.maxPool(1, 1, 2, 2, 2, 1, 1, 1, 2, 2, x, y);
        Pooling.maxPoolGrad(1, 1, 2, 2, 2, 1, 1, 1, 2, 2, x, new float[] {1, 2, 4, 8}, dx);
        assertArrayEquals(new float[] {-3, -1, -2, -1}, y);
        assertArrayEquals(new float[] {1, 2 + 8, 4, 0}, dx);
    }
}
