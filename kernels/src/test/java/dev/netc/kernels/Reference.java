package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Naive float64 reference kernels and comparison helpers shared by the kernel tests. */
final class Reference {
    private Reference() {}

    /** Uniform values in [-1, 1) that are never exactly zero. */
    static float[] random(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            float v;
            do {
                v = (float) (random.nextDouble() * 2 - 1);
            } while (v == 0f);
            values[i] = v;
        }
        return values;
    }

    static double[] gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                         float[] b, int bOff, float beta, float[] c, int cOff) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = beta == 0f ? 0 : beta * (double) c[cOff + i * n + j];
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    sum += av * bv;
                }
                out[i * n + j] = sum;
            }
        }
        return out;
    }

    record Conv(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                int oh, int ow) {
        /** Output size from a bottom/right padding, the way a layer would compute it. */
        static Conv of(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padBottom,
                       int padLeft, int padRight) {
            int oh = (h + padTop + padBottom - kh) / stride + 1;
            int ow = (w + padLeft + padRight - kw) / stride + 1;
            return new Conv(n, c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        }

        int xSize() { return n * c * h * w; }
        int wSize() { return f * c * kh * kw; }
        int ySize() { return n * f * oh * ow; }

        /** x index of the tap, or -1 when it lies in the padding. */
        int xIndex(int img, int ch, int oy, int ox, int ky, int kx) {
            int iy = oy * stride + ky - padTop;
            int ix = ox * stride + kx - padLeft;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                return -1;
            }
            return ((img * c + ch) * h + iy) * w + ix;
        }

        int yIndex(int img, int fi, int oy, int ox) { return ((img * f + fi) * oh + oy) * ow + ox; }

        int wIndex(int fi, int ch, int ky, int kx) { return ((fi * c + ch) * kh + ky) * kw + kx; }

        double[] forward(float[] x, float[] wt) {
            double[] y = new double[ySize()];
            forEachTap((img, fi, oy, ox, ch, ky, kx, xi) ->
                    y[yIndex(img, fi, oy, ox)] += (double) x[xi] * wt[wIndex(fi, ch, ky, kx)]);
            return y;
        }

        double[] backwardData(float[] dy, float[] wt) {
            double[] dx = new double[xSize()];
            forEachTap((img, fi, oy, ox, ch, ky, kx, xi) ->
                    dx[xi] += (double) dy[yIndex(img, fi, oy, ox)] * wt[wIndex(fi, ch, ky, kx)]);
            return dx;
        }

        double[] backwardFilter(float[] x, float[] dy) {
            double[] dw = new double[wSize()];
            forEachTap((img, fi, oy, ox, ch, ky, kx, xi) ->
                    dw[wIndex(fi, ch, ky, kx)] += (double) dy[yIndex(img, fi, oy, ox)] * x[xi]);
            return dw;
        }

        interface Tap {
            void accept(int img, int fi, int oy, int ox, int ch, int ky, int kx, int xIndex);
        }

        private void forEachTap(Tap tap) {
            for (int img = 0; img < n; img++)
                for (int fi = 0; fi < f; fi++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                            for (int ch = 0; ch < c; ch++)
                                for (int ky = 0; ky < kh; ky++)
                                    for (int kx = 0; kx < kw; kx++) {
                                        int xi = xIndex(img, ch, oy, ox, ky, kx);
                                        if (xi >= 0) {
                                            tap.accept(img, fi, oy, ox, ch, ky, kx, xi);
                                        }
                                    }
        }
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    /** |actual - expected| <= tolerance * max(1, |expected|) element by element, over [offset, offset+length). */
    static void assertClose(double[] expected, float[] actual, int offset, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[offset + i];
            if (!(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)))) {
                fail(what + ": element " + i + " expected " + e + " but was " + a);
            }
        }
    }

    static void assertRelativelyEqual(double expected, double actual, double tolerance, String what) {
        assertEquals(expected, actual, tolerance * Math.max(1, Math.abs(expected)), what);
    }
}
