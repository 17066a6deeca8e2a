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
        ConvGeometry g = new ConvGeometry(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (ConvRowKernel.suits(g)) {
            ConvRowKernel.forward(n, g, x, weights, bias, act, y);
            return;
        }
        if (prefersImplicitGemm(f)) {
            float[] packed = ConvImplicitGemm.packWeights(f, g.patchSize(), weights);
            ConvImplicitGemm.forward(n, g, x, packed, bias, act, y);
            return;
        }
        Epilogue epilogue = new Epilogue(bias, null, act);
        int patch = g.patchSize();
        int positions = g.outputPositions();
        Parallel.forRange(n, image -> {
            int xOff = image * g.imageSize();
            int yOff = image * g.outputSize();
            if (g.isPointwise()) {
                Gemm.multiply(false, false, f, positions, patch, weights, 0, x, xOff, 0f, y, yOff, epilogue);
            } else {
                // im2col straight into the GEMM's packed panels: the column matrix is never materialised.
                PanelSource columns = (j0, p0, kc, dst, dstOff) -> g.packColumns(x, xOff, j0, p0, kc, dst, dstOff);
                Gemm.multiply(false, f, positions, patch, weights, 0, columns, 0f, y, yOff, epilogue);
            }
        });
    }

    /** dx = the adjoint of {@link #forward} with respect to x applied to dy; dx is overwritten. */
    public static void backwardData(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop,
                                    int padLeft, int oh, int ow, float[] dy, float[] weights, float[] dx) {
        ConvGeometry g = new ConvGeometry(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (stride == 1 && prefersImplicitGemm(c)) {
            // At stride 1 the adjoint is itself a convolution: dy, zero-padded by k - 1 - pad, convolved
            // with the flipped weights, channels and filters swapped.
            ConvGeometry full = new ConvGeometry(f, oh, ow, c, kh, kw, 1, kh - 1 - padTop, kw - 1 - padLeft, h, w);
            float[] packed = ConvImplicitGemm.packFlippedWeights(f, c, kh, kw, weights);
            ConvImplicitGemm.forward(n, full, dy, packed, null, Activation.NONE, dx);
            return;
        }
        int patch = g.patchSize();
        int positions = g.outputPositions();
        Parallel.forRange(n, image -> {
            int dxOff = image * g.imageSize();
            int dyOff = image * g.outputSize();
            if (g.isPointwise()) {
                Gemm.sgemm(true, false, patch, positions, f, weights, 0, dy, dyOff, 0f, dx, dxOff);
            } else {
                // columns = W^T (patch x f) @ dy (f x positions), then scatter-add back onto pixels.
                float[] col = COLUMNS.atLeast(patch * positions);
                Gemm.sgemm(true, false, patch, positions, f, weights, 0, dy, dyOff, 0f, col, 0);
                g.col2im(col, dx, dxOff);
            }
        });
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
        ConvGeometry g = new ConvGeometry(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        ConvImplicitGemm.backwardFilter(n, g, x, dy, dw, dBias);
    }

    /**
     * The implicit GEMM puts the output channels on the 16-wide vector side; below 3/4 lane use the
     * im2col GEMM, which puts them on the MR-row broadcast side instead, wastes less.
     */
    private static boolean prefersImplicitGemm(int outputChannels) {
        return 4 * outputChannels >= 3 * ConvImplicitGemm.paddedFilters(outputChannels);
    }
}
