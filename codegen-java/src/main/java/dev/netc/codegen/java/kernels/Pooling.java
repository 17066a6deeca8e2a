package dev.netc.codegen.java.kernels;

/**
 * Max pooling on NCHW tensors with square windows, parallel over (image, channel) planes.
 * Padded cells count as -infinity; padBottom/padRight are implied by oh and ow.
 */
public final class Pooling {
    private Pooling() {}

    /** y[n,c,oy,ox] = max over the size x size window at (oy*stride-padTop, ox*stride-padLeft); overwritten. */
    public static void maxPool(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                               int oh, int ow, float[] x, float[] y) {
        Parallel.forRange(n * c, plane -> {
            int xBase = plane * h * w;
            int yBase = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int winner = firstMax(h, w, size, oy * stride - padTop, ox * stride - padLeft, x, xBase);
                    y[yBase + oy * ow + ox] = winner < 0 ? Float.NEGATIVE_INFINITY : x[winner];
                }
            }
        });
    }

    /**
     * dx = 0, then each dy goes to the first maximum of its window (row-major order within the
     * window), accumulating where windows overlap. dx is overwritten.
     */
    public static void maxPoolGrad(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                                   int oh, int ow, float[] x, float[] dy, float[] dx) {
        Parallel.forRange(n * c, plane -> {
            int xBase = plane * h * w;
            int yBase = plane * oh * ow;
            java.util.Arrays.fill(dx, xBase, xBase + h * w, 0f);
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int winner = firstMax(h, w, size, oy * stride - padTop, ox * stride - padLeft, x, xBase);
                    if (winner >= 0) {
                        dx[winner] += dy[yBase + oy * ow + ox];
                    }
                }
            }
        });
    }

    /**
     * The index in x of the first strict maximum of the window whose top-left cell is (y0, x0), or -1
     * when that maximum is a padded cell (-infinity), i.e. the window has no real cell above -infinity
     * before it in row-major order.
     */
    private static int firstMax(int h, int w, int size, int y0, int x0, float[] x, int base) {
        int best = -1;
        float bestValue = Float.NaN;
        boolean started = false;
        for (int ky = 0; ky < size; ky++) {
            int iy = y0 + ky;
            for (int kx = 0; kx < size; kx++) {
                int ix = x0 + kx;
                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                float value = inside ? x[base + iy * w + ix] : Float.NEGATIVE_INFINITY;
                if (!started || value > bestValue) {
                    started = true;
                    bestValue = value;
                    best = inside ? base + iy * w + ix : -1;
                }
            }
        }
        return best;
    }
}
