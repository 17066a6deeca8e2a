package dev.netc.kernels;

/**
 * 2-D convolution on NCHW tensors with [F, C, KH, KW] weights. The forward pass of shallow stride-1
 * filters (C * KH * KW <= 64, e.g. a first layer) runs as {@link ConvRowKernel}; wide enough layers
 * (output channels filling 3/4 of the 16-float vector tiles, e.g. 32 or 64 filters) as
 * {@link ConvImplicitGemm}; the rest as im2col + {@link Gemm} per image. Both are parallel over the batch (or within one image
 * when the batch is too small). Padding is zero; padBottom/padRight are implied by oh and ow.
 *
 * <p>y[n,f,oy,ox] = sum over c, ky, kx of x[n, c, oy*stride+ky-padTop, ox*stride+kx-padLeft] * w[f,c,ky,kx].
 */
public final class Conv2d {
    private static final Scratch COLUMNS = new Scratch();
    private static final CallFrames<Images> IMAGES = new CallFrames<>(Images::new);
    private static final CallFrames<Columns> COLUMN_SOURCES = new CallFrames<>(Columns::new);

    private Conv2d() {}

    /** y = conv(x, weights); y is overwritten. */
    public static void forward(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop,
                               int padLeft, int oh, int ow, float[] x, float[] weights, float[] y) {
        forwardBiasActivation(n, c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow, x, weights, null,
                Activation.NONE, y);
    }

    /**
     * y = act(conv(x, weights) + bias[f]) with bias and activation applied to each output tile while it
     * is still in registers, so y is written once.
     *
     * @param bias one value per filter (length f), or null for none
     */
    public static void forwardBiasActivation(int n, int c, int h, int w, int f, int kh, int kw, int stride,
                                             int padTop, int padLeft, int oh, int ow, float[] x,
                                             float[] weights, float[] bias, Activation act, float[] y) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (ConvRowKernel.suits(g)) {
            ConvRowKernel.forward(n, g, x, weights, bias, act, y);
            return;
        }
        if (prefersImplicitGemm(f)) {
            float[] packed = ConvImplicitGemm.packWeights(f, g.patchSize(), weights);
            ConvImplicitGemm.forward(n, g, x, packed, bias, act, y);
            return;
        }
        Images call = IMAGES.acquire();
        try {
            call.forward = true;
            call.g = g;
            call.in = x;
            call.weights = weights;
            call.epilogue = Epilogue.of(bias, null, act);
            call.out = y;
            Parallel.forRange(n, call);
        } finally {
            IMAGES.release(call);
        }
    }

    /** One pass by GEMM, image by image: the forward (in x, out y) or backward-data (in dy, out dx) pass (a per-thread frame, see {@link CallFrames}). */
    private static final class Images implements java.util.function.IntConsumer, CallFrames.Frame {
        boolean forward;
        ConvGeometry g;
        float[] in, weights, out;
        Epilogue epilogue;

        @Override
        public void accept(int image) {
            if (forward) {
                forwardByGemm(g, in, image * g.imageSize(), weights, epilogue, out, image * g.outputSize());
            } else {
                backwardDataByGemm(g, in, image * g.outputSize(), weights, out, image * g.imageSize());
            }
        }

        @Override
        public void clear() {
            in = weights = out = null;
            epilogue = null;
        }
    }

    /** Packs slivers of one image's column matrix (im2col) for the GEMM: see {@link ConvGeometry#packColumns}. Reused per thread. */
    private static final class Columns implements PanelSource, CallFrames.Frame {
        ConvGeometry g;
        float[] x;
        int xOff;

        @Override
        public void pack(int j0, int p0, int kc, float[] dst, int dstOff) {
            g.packColumns(x, xOff, j0, p0, kc, dst, dstOff);
        }

        @Override
        public void clear() {
            x = null;
        }
    }

    /** One image by im2col + GEMM: x from xOff, y from yOff. */
    private static void forwardByGemm(ConvGeometry g, float[] x, int xOff, float[] weights, Epilogue epilogue, float[] y,
                                      int yOff) {
        int patch = g.patchSize();
        int positions = g.outputPositions();
        if (g.isPointwise()) {
            Gemm.multiply(false, false, g.f(), positions, patch, weights, 0, x, xOff, 0f, y, yOff, epilogue);
        } else {
            // im2col straight into the GEMM's packed panels: the column matrix is never materialised.
            Columns columns = COLUMN_SOURCES.acquire();
            try {
                columns.g = g;
                columns.x = x;
                columns.xOff = xOff;
                Gemm.multiply(false, g.f(), positions, patch, weights, 0, columns, null, 0f, y, yOff, epilogue);
            } finally {
                COLUMN_SOURCES.release(columns);
            }
        }
    }

    /**
     * The weights as the per-image forward pass takes them (packed for the implicit GEMM, when that runs
     * it; else as they are), prepared once per call on the caller's thread.
     */
    static float[] preparedForImages(ConvGeometry g, float[] weights) {
        return runsImplicitGemm(g) ? ConvImplicitGemm.packWeights(g.f(), g.patchSize(), weights) : weights;
    }

    /** Whether the per-image forward pass of g runs as {@link ConvImplicitGemm} (its weights packed by it). */
    static boolean runsImplicitGemm(ConvGeometry g) {
        return !ConvRowKernel.suits(g) && prefersImplicitGemm(g.f());
    }

    /**
     * act(conv(x, weights) + bias) of one image, x from xOff, into y from yOff, on the calling thread;
     * prepared comes from {@link #preparedForImages}. Pooled convolutions call it per image.
     */
    static void forwardImage(ConvGeometry g, float[] x, int xOff, float[] weights, float[] prepared, float[] bias,
                             Activation act, float[] y, int yOff) {
        if (ConvRowKernel.suits(g)) {
            ConvRowKernel.forward(1, g, x, xOff, weights, bias, act, y, yOff);
        } else if (prefersImplicitGemm(g.f())) {
            ConvImplicitGemm.forward(1, g, x, xOff, prepared, bias, act, y, yOff);
        } else {
            forwardByGemm(g, x, xOff, weights, Epilogue.of(bias, null, act), y, yOff);
        }
    }

    /** dx = the adjoint of {@link #forward} with respect to x applied to dy; dx is overwritten. */
    public static void backwardData(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop,
                                    int padLeft, int oh, int ow, float[] dy, float[] weights, float[] dx) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (backwardDataRunsImplicitGemm(g)) {
            float[] packed = ConvImplicitGemm.packFlippedWeights(f, c, kh, kw, weights);
            ConvImplicitGemm.forward(n, backwardDataGeometry(g), dy, packed, null, Activation.NONE, dx);
            return;
        }
        Images call = IMAGES.acquire();
        try {
            call.forward = false;
            call.g = g;
            call.in = dy;
            call.weights = weights;
            call.out = dx;
            Parallel.forRange(n, call);
        } finally {
            IMAGES.release(call);
        }
    }

    /** One image of backward-data by GEMM (+ col2im): dy from dyOff, dx from dxOff. */
    private static void backwardDataByGemm(ConvGeometry g, float[] dy, int dyOff, float[] weights, float[] dx, int dxOff) {
        int patch = g.patchSize();
        int positions = g.outputPositions();
        if (g.isPointwise()) {
            Gemm.sgemm(true, false, patch, positions, g.f(), weights, 0, dy, dyOff, 0f, dx, dxOff);
        } else {
            // columns = W^T (patch x f) @ dy (f x positions), then scatter-add back onto pixels.
            float[] col = COLUMNS.atLeast(patch * positions);
            Gemm.sgemm(true, false, patch, positions, g.f(), weights, 0, dy, dyOff, 0f, col, 0);
            g.col2im(col, dx, dxOff);
        }
    }

    /** The weights as {@link #backwardDataImage} takes them (flipped and packed at stride 1, else as they are). */
    static float[] preparedForBackwardData(ConvGeometry g, float[] weights) {
        return backwardDataRunsImplicitGemm(g) ? ConvImplicitGemm.packFlippedWeights(g.f(), g.c(), g.kh(), g.kw(), weights) : weights;
    }

    /** Whether backward-data of g runs as the forward {@link ConvImplicitGemm} of {@link #backwardDataGeometry}. */
    static boolean backwardDataRunsImplicitGemm(ConvGeometry g) {
        return g.stride() == 1 && prefersImplicitGemm(g.c());
    }

    /**
     * At stride 1 the adjoint is itself a convolution: dy, zero-padded by k - 1 - pad, convolved with the
     * flipped weights, channels and filters swapped.
     */
    static ConvGeometry backwardDataGeometry(ConvGeometry g) {
        return ConvGeometry.of(g.f(), g.oh(), g.ow(), g.c(), g.kh(), g.kw(), 1, g.kh() - 1 - g.padTop(), g.kw() - 1 - g.padLeft(),
                g.h(), g.w());
    }

    /** Backward-data of one image, dy from dyOff, into dx from dxOff, on the calling thread (pooled convolutions). */
    static void backwardDataImage(ConvGeometry g, float[] dy, int dyOff, float[] weights, float[] prepared, float[] dx, int dxOff) {
        if (backwardDataRunsImplicitGemm(g)) {
            ConvImplicitGemm.forward(1, backwardDataGeometry(g), dy, dyOff, prepared, null, Activation.NONE, dx, dxOff);
        } else {
            backwardDataByGemm(g, dy, dyOff, weights, dx, dxOff);
        }
    }

    /** dw = the adjoint of {@link #forward} with respect to the weights, summed over the batch; overwritten. */
    public static void backwardFilter(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop,
                                      int padLeft, int oh, int ow, float[] x, float[] dy, float[] dw) {
        backwardFilterBias(n, c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow, x, dy, dw, null);
    }

    /**
     * {@link #backwardFilter} plus, in the same pass over dy, the bias gradient dBias[f] = sum of dy over
     * images and positions (when dBias is not null). Both are overwritten.
     */
    public static void backwardFilterBias(int n, int c, int h, int w, int f, int kh, int kw, int stride,
                                          int padTop, int padLeft, int oh, int ow, float[] x, float[] dy,
                                          float[] dw, float[] dBias) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (ConvShallowFilterGradient.suits(g)) {
            ConvShallowFilterGradient.backwardFilter(n, g, x, dy, dw, dBias);
        } else {
            ConvImplicitGemmFilter.backwardFilter(n, g, x, dy, dw, dBias);
        }
    }

    /**
     * The implicit GEMM puts the output channels on the 16-wide vector side; below 3/4 lane use the
     * im2col GEMM, which puts them on the MR-row broadcast side instead, wastes less.
     */
    private static boolean prefersImplicitGemm(int outputChannels) {
        return 4 * outputChannels >= 3 * ConvImplicitGemm.paddedFilters(outputChannels);
    }
}
