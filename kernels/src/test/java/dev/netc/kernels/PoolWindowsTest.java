package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector forms of 2 x 2 pooling and its expansion give the scalar loops' bits, ties and all. */
class PoolWindowsTest {
    @ParameterizedTest(name = "{0} planes of {1} x {2}")
    @CsvSource({"3, 28, 28", "2, 14, 14", "1, 2, 2", "2, 6, 34", "1, 4, 18", "2, 2, 64"})
    void vectorFormsMatchTheScalarLoops(int planes, int h, int w) {
        var random = new SplittableRandom(31L * h + w);
        int pooledSize = planes * (h / 2) * (w / 2);
        int offset = 5, pooledOffset = 3; // neither at the start of its array
        float[] x = new float[offset + planes * h * w];
        // few distinct values, so ties (which the first cell in window order wins) are common; ReLU zeros too
        for (int i = 0; i < x.length; i++) x[i] = Math.max(0, random.nextInt(-2, 4)) * 0.5f;
        float[] pooled = new float[pooledOffset + pooledSize + 2], expectedPooled = pooled.clone();
        byte[] argmax = new byte[pooled.length], expectedArgmax = new byte[pooled.length];
        java.util.Arrays.fill(pooled, -7f);
        java.util.Arrays.fill(expectedPooled, -7f);
        PoolWindows.pool(x, offset, planes, h, w, 2, pooled, argmax, pooledOffset);
        PoolWindows.poolScalar(x, offset, planes, h, w, 2, expectedPooled, expectedArgmax, pooledOffset);
        assertArrayEquals(expectedPooled, pooled, "pooled values (and nothing written outside them)");
        assertArrayEquals(expectedArgmax, argmax, "argmax");

        float[] dy = new float[pooled.length];
        for (int i = 0; i < dy.length; i++) dy[i] = (float) random.nextGaussian();
        float[] expanded = new float[x.length + 4], expectedExpanded = new float[x.length + 4];
        java.util.Arrays.fill(expanded, Float.NaN); // stale contents must be overwritten
        java.util.Arrays.fill(expectedExpanded, Float.NaN);
        PoolWindows.expand(dy, argmax, pooledOffset, planes, h / 2, w / 2, 2, expanded, offset);
        PoolWindows.expandScalar(dy, argmax, pooledOffset, planes, h / 2, w / 2, 2, expectedExpanded, offset);
        assertArrayEquals(expectedExpanded, expanded, "expanded gradient");

        // into a wider layout (rows 3 floats wider, planes 7 more apart): the same rows, the gaps untouched
        int rowStride = w + 3, planeStride = h * rowStride + 7;
        float[] wide = new float[offset + planes * planeStride];
        java.util.Arrays.fill(wide, Float.NaN);
        PoolWindows.expand(dy, argmax, pooledOffset, planes, h / 2, w / 2, 2, wide, offset, rowStride, planeStride);
        for (int plane = 0; plane < planes; plane++) {
            for (int row = 0; row < h; row++) {
                int at = offset + plane * planeStride + row * rowStride, from = offset + (plane * h + row) * w;
                assertArrayEquals(java.util.Arrays.copyOfRange(expectedExpanded, from, from + w), java.util.Arrays.copyOfRange(wide, at, at + w),
                        "wide row " + row + " of plane " + plane);
                for (int gap = at + w; gap < at + rowStride && gap < wide.length; gap++)
                    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(wide[gap]), "gap written at " + gap);
            }
        }

        // whole rows: the vector form (rows of whole 16-float vectors, 8 or 16 lanes) and the fallback (odd
        // rows): the same values, zeros in each row's gap, nothing past a plane's last row
        for (int stride : new int[] {(w + 15) / 16 * 16 + 16, (w + 15) / 16 * 16, w + 3}) {
            int planeGap = h * stride + 5;
            float[] rows = new float[offset + planes * planeGap];
            java.util.Arrays.fill(rows, Float.NaN);
            PoolWindows.expandRows(dy, argmax, pooledOffset, planes, h / 2, w / 2, 2, rows, offset, stride, planeGap);
            for (int plane = 0; plane < planes; plane++) {
                for (int row = 0; row < h; row++) {
                    int at = offset + plane * planeGap + row * stride, from = offset + (plane * h + row) * w;
                    float[] expectedRow = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(expectedExpanded, from, from + w), stride);
                    assertArrayEquals(expectedRow, java.util.Arrays.copyOfRange(rows, at, at + stride),
                            "row " + row + " of plane " + plane + ", stride " + stride);
                }
                for (int tail = offset + plane * planeGap + h * stride; tail < offset + (plane + 1) * planeGap; tail++)
                    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(rows[tail]), "plane tail written at " + tail + ", stride " + stride);
            }
        }
    }
}
