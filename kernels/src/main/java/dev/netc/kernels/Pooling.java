package dev.netc.kernels;

/**
 * Max pooling on NCHW tensors with square windows, parallel over (image, channel) planes.
 * Padded cells count as -infinity; padBottom/padRight are implied by oh and ow.
 */
public final class Pooling {
    /** Per task of the tiled 2x2 gradient: the planes' pooled values (and masked dy), and their argmax. */
    private static final Scratch WINDOWS = new Scratch();
    private static final CallFrames<Planes> PLANES = new CallFrames<>(Planes::new);

    private Pooling() {}

    /** 2x2 windows at stride 2 that tile the planes exactly: the vector forms of {@link PoolWindows} apply. */
    private static boolean tiles2x2(int h, int w, int size, int stride, int padTop, int padLeft, int oh, int ow) {
        return size == 2 && stride == 2 && padTop == 0 && padLeft == 0 && h == 2 * oh && w == 2 * ow;
    }

    /** Planes per task for the tiled 2x2 forms: about four tasks per core, each a whole number of planes. */
    private static int planesPerTask(int planes) {
        return Math.max(1, Gemm.ceilDiv(planes, 4 * Parallel.threads()));
    }

    /** y[n,c,oy,ox] = max over the size x size window at (oy*stride-padTop, ox*stride-padLeft); overwritten. */
    public static void maxPool(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                               int oh, int ow, float[] x, float[] y) {
        boolean inside = windowsInside(h, w, size, stride, padTop, padLeft, oh, ow);
        Planes.Step step = tiles2x2(h, w, size, stride, padTop, padLeft, oh, ow) ? Planes.Step.POOL_TILES
                : inside && size == 2 && stride == 2 ? Planes.Step.POOL_2X2 : Planes.Step.POOL;
        run(step, n * c, h, w, size, stride, padTop, padLeft, oh, ow, inside, x, y, null, null, false);
    }

    /**
     * dx = 0, then each dy goes to the first maximum of its window (row-major order within the
     * window), accumulating where windows overlap. dx is overwritten.
     */
    public static void maxPoolGrad(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                                   int oh, int ow, float[] x, float[] dy, float[] dx) {
        maxPoolGrad(n, c, h, w, size, stride, padTop, padLeft, oh, ow, x, dy, dx, false);
    }

    /**
     * Like {@link #maxPoolGrad(int, int, int, int, int, int, int, int, int, int, float[], float[], float[])},
     * then, when {@code reluMask}, dx zeroed wherever x is not positive: the gradient of a ReLU whose
     * output x is, applied while each window is in registers instead of in another pass over dx.
     */
    public static void maxPoolGrad(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft,
                                   int oh, int ow, float[] x, float[] dy, float[] dx, boolean reluMask) {
        boolean inside = windowsInside(h, w, size, stride, padTop, padLeft, oh, ow);
        Planes.Step step = tiles2x2(h, w, size, stride, padTop, padLeft, oh, ow) ? Planes.Step.GRAD_TILES
                : inside && size == 2 && stride == 2 ? Planes.Step.GRAD_2X2 : Planes.Step.GRAD;
        run(step, n * c, h, w, size, stride, padTop, padLeft, oh, ow, inside, x, dy, dx, null, reluMask);
    }

    /**
     * argmax[n, c, oy, ox] = the window position ky * size + kx of the first strict maximum of each
     * window (the cell {@link #maxPoolGrad} routes to); 0 for a window that is all padding.
     */
    public static void maxPoolArgmax(int n, int c, int h, int w, int size, int stride, int padTop, int padLeft, int oh,
                                     int ow, float[] x, byte[] argmax) {
        run(Planes.Step.ARGMAX, n * c, h, w, size, stride, padTop, padLeft, oh, ow, false, x, null, null, argmax, false);
    }

    /** One pass over the planes through this thread's {@link Planes} frame. */
    private static void run(Planes.Step step, int planes, int h, int w, int size, int stride, int padTop, int padLeft, int oh,
                            int ow, boolean inside, float[] x, float[] yOrDy, float[] dx, byte[] argmax, boolean reluMask) {
        Planes call = PLANES.acquire();
        try {
            call.step = step;
            call.planes = planes;
            call.per = planesPerTask(planes);
            call.h = h;
            call.w = w;
            call.size = size;
            call.stride = stride;
            call.padTop = padTop;
            call.padLeft = padLeft;
            call.oh = oh;
            call.ow = ow;
            call.inside = inside;
            call.x = x;
            call.y = yOrDy;
            call.dx = dx;
            call.argmax = argmax;
            call.reluMask = reluMask;
            boolean tiled = step == Planes.Step.POOL_TILES || step == Planes.Step.GRAD_TILES;
            Parallel.forRange(tiled ? Gemm.ceilDiv(planes, call.per) : planes, call);
        } finally {
            PLANES.release(call);
        }
    }

    /**
     * One pooling pass's arguments (a per-thread frame, see {@link CallFrames}): a task is a plane, or for the
     * tiled 2 x 2 forms a run of {@code per} planes. y is the pooled output for the forward steps and dy for
     * the gradient ones.
     */
    private static final class Planes implements java.util.function.IntConsumer, CallFrames.Frame {
        enum Step { POOL_TILES, POOL_2X2, POOL, GRAD_TILES, GRAD_2X2, GRAD, ARGMAX }

        Step step;
        int planes, per, h, w, size, stride, padTop, padLeft, oh, ow;
        boolean inside, reluMask;
        float[] x, y, dx;
        byte[] argmax;

        @Override
        public void accept(int task) {
            switch (step) {
                case POOL_TILES -> {
                    int first = task * per, count = Math.min(per, planes - first);
                    PoolWindows.pool(x, first * h * w, count, h, w, 2, y, null, first * oh * ow);
                }
                case POOL_2X2 -> maxPool2x2(x, task * h * w - padTop * w - padLeft, w, y, task * oh * ow, oh, ow);
                case POOL -> {
                    int xBase = task * h * w, yBase = task * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            int winner = winner(xBase, oy, ox);
                            y[yBase + oy * ow + ox] = winner < 0 ? Float.NEGATIVE_INFINITY : x[winner];
                        }
                    }
                }
                case GRAD_TILES -> {
                    // pool again to find each window's argmax, then expand dy to it: both as vectors
                    int first = task * per, count = Math.min(per, planes - first), windows = count * oh * ow;
                    float[] pooled = WINDOWS.atLeast(windows);
                    byte[] cells = WINDOWS.bytesAtLeast(windows);
                    PoolWindows.pool(x, first * h * w, count, h, w, 2, pooled, cells, 0);
                    // this task's dy beside its argmax (expand reads both at one offset), masked under a ReLU:
                    // the winner is the maximum, and the ReLU passed it iff it is positive
                    int dyOff = first * oh * ow;
                    for (int i = 0; i < windows; i++) {
                        pooled[i] = !reluMask || pooled[i] > 0f ? y[dyOff + i] : 0f;
                    }
                    PoolWindows.expand(pooled, cells, 0, count, oh, ow, 2, dx, first * h * w);
                }
                case GRAD_2X2 -> {
                    // The windows tile the image without overlap: each cell is written once, no accumulation.
                    if (!(padTop == 0 && padLeft == 0 && h == 2 * oh && w == 2 * ow)) {
                        java.util.Arrays.fill(dx, task * h * w, (task + 1) * h * w, 0f);
                    }
                    maxPool2x2Grad(x, y, dx, task * h * w - padTop * w - padLeft, w, task * oh * ow, oh, ow, reluMask);
                }
                case GRAD -> {
                    int xBase = task * h * w, yBase = task * oh * ow;
                    java.util.Arrays.fill(dx, xBase, xBase + h * w, 0f);
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            int winner = winner(xBase, oy, ox);
                            if (winner >= 0) {
                                dx[winner] += y[yBase + oy * ow + ox];
                            }
                        }
                    }
                    if (reluMask) {
                        for (int i = xBase; i < xBase + h * w; i++) {
                            dx[i] = x[i] > 0f ? dx[i] : 0f;
                        }
                    }
                }
                case ARGMAX -> {
                    int base = task * h * w;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            int y0 = oy * stride - padTop;
                            int x0 = ox * stride - padLeft;
                            int best = firstMax(h, w, size, y0, x0, x, base);
                            int cell = best - base;
                            argmax[(task * oh + oy) * ow + ox] = best < 0 ? 0 : (byte) ((cell / w - y0) * size + cell % w - x0);
                        }
                    }
                }
            }
        }

        /** The first maximum of window (oy, ox) of the plane at xBase, or -1 for a window all padding. */
        private int winner(int xBase, int oy, int ox) {
            return inside ? firstMaxInside(w, size, xBase + (oy * stride - padTop) * w + ox * stride - padLeft, x)
                    : firstMax(h, w, size, oy * stride - padTop, ox * stride - padLeft, x, xBase);
        }

        @Override
        public void clear() {
            x = y = dx = null;
            argmax = null;
        }
    }

    /**
     * The common 2x2 stride-2 case for one plane whose window (0, 0) starts at x[at]. Math.max is
     * branch-free (a compare-and-branch per cell mispredicts on real data); it differs from the
     * first-strict-maximum rule only in which zero of -0/+0 a tie returns, and it propagates NaN.
     */
    private static void maxPool2x2(float[] x, int at, int w, float[] y, int yBase, int oh, int ow) {
        for (int oy = 0; oy < oh; oy++) {
            int top = at + 2 * oy * w;
            int bottom = top + w;
            int out = yBase + oy * ow;
            for (int ox = 0; ox < ow; ox++) {
                int i = 2 * ox;
                float upper = Math.max(x[top + i], x[top + i + 1]);
                y[out + ox] = Math.max(upper, Math.max(x[bottom + i], x[bottom + i + 1]));
            }
        }
    }

    /**
     * Gradient of {@link #maxPool2x2}: each window's dy goes to its first maximal cell, the other three
     * cells get zero (and the first one too under a ReLU mask when the maximum is not positive). Selection is done on bit masks so the loop has no data-dependent branches.
     */
    private static void maxPool2x2Grad(float[] x, float[] dy, float[] dx, int at, int w, int yBase, int oh, int ow,
                                       boolean reluMask) {
        for (int oy = 0; oy < oh; oy++) {
            int top = at + 2 * oy * w;
            int bottom = top + w;
            int out = yBase + oy * ow;
            for (int ox = 0; ox < ow; ox++) {
                int i = 2 * ox;
                float a = x[top + i];
                float b = x[top + i + 1];
                float c = x[bottom + i];
                float d = x[bottom + i + 1];
                float max = Math.max(Math.max(a, b), Math.max(c, d));
                int g = Float.floatToRawIntBits(dy[out + ox]);
                if (reluMask) {
                    g &= max > 0f ? -1 : 0; // the winner is the maximum: the ReLU passed it iff it is positive
                }
                int takeA = a == max ? -1 : 0;
                int takeB = ~takeA & (b == max ? -1 : 0);
                int takeC = ~(takeA | takeB) & (c == max ? -1 : 0);
                int takeD = ~(takeA | takeB | takeC);
                dx[top + i] = Float.intBitsToFloat(g & takeA);
                dx[top + i + 1] = Float.intBitsToFloat(g & takeB);
                dx[bottom + i] = Float.intBitsToFloat(g & takeC);
                dx[bottom + i + 1] = Float.intBitsToFloat(g & takeD);
            }
        }
    }

    /** True when every window lies inside the image, so no cell needs a padding test. */
    private static boolean windowsInside(int h, int w, int size, int stride, int padTop, int padLeft, int oh, int ow) {
        return padTop <= 0 && padLeft <= 0 && (oh - 1) * stride + size - padTop <= h
                && (ow - 1) * stride + size - padLeft <= w;
    }

    /**
     * {@link #firstMax} for a window wholly inside the image whose top-left cell is x[at]: same
     * tie-breaking (the first strict maximum in row-major order), no bounds tests, 2x2 unrolled.
     */
    private static int firstMaxInside(int w, int size, int at, float[] x) {
        if (size == 2) {
            int best = at;
            if (x[at + 1] > x[best]) {
                best = at + 1;
            }
            if (x[at + w] > x[best]) {
                best = at + w;
            }
            if (x[at + w + 1] > x[best]) {
                best = at + w + 1;
            }
            return best;
        }
        int best = at;
        float bestValue = x[at];
        for (int ky = 0; ky < size; ky++) {
            for (int kx = 0; kx < size; kx++) {
                int index = at + ky * w + kx;
                if (x[index] > bestValue) {
                    bestValue = x[index];
                    best = index;
                }
            }
        }
        return best;
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
