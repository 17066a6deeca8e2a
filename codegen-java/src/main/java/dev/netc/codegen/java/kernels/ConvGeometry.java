package dev.netc.codegen.java.kernels;

/**
 * The shape of one 2-D convolution (NCHW input, [F, C, KH, KW] weights) plus the im2col and col2im
 * transforms over it. The column matrix of one image is (C*KH*KW) x (OH*OW): row (c, ky, kx) holds
 * the input pixel each output position sees through that filter tap, zero where it falls in padding.
 */
record ConvGeometry(int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                    int oh, int ow) {

    int imageSize() {
        return c * h * w;
    }

    int outputPositions() {
        return oh * ow;
    }

    int outputSize() {
        return f * oh * ow;
    }

    /** Rows of the column matrix: the reduction depth of the convolution GEMM. */
    int patchSize() {
        return c * kh * kw;
    }

    /** True when the column matrix of an image is the image itself (1x1 filter, stride 1, no padding). */
    boolean isPointwise() {
        return kh == 1 && kw == 1 && stride == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w;
    }

    /** First output column whose input column for filter tap kx is inside the image. */
    private int firstValidOx(int kx) {
        int shift = padLeft - kx; // ix = ox * stride - shift
        return shift <= 0 ? 0 : Math.min(ow, (shift + stride - 1) / stride);
    }

    /** One past the last output column whose input column for filter tap kx is inside the image. */
    private int endValidOx(int kx) {
        int limit = w - 1 + padLeft - kx; // need ox * stride <= limit
        return limit < 0 ? 0 : Math.min(ow, limit / stride + 1);
    }

    /** Writes the column matrix of the image at x[xOff] into col[0 ..). */
    void im2col(float[] x, int xOff, float[] col) {
        int positions = outputPositions();
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int rowBase = ((ch * kh + ky) * kw + kx) * positions;
                    int oxStart = firstValidOx(kx);
                    int oxEnd = Math.max(oxStart, endValidOx(kx));
                    for (int oy = 0; oy < oh; oy++) {
                        int dst = rowBase + oy * ow;
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        java.util.Arrays.fill(col, dst, dst + oxStart, 0f);
                        int src = xOff + (ch * h + iy) * w + kx - padLeft;
                        if (stride == 1) {
                            System.arraycopy(x, src + oxStart, col, dst + oxStart, oxEnd - oxStart);
                        } else {
                            for (int ox = oxStart; ox < oxEnd; ox++) {
                                col[dst + ox] = x[src + ox * stride];
                            }
                        }
                        java.util.Arrays.fill(col, dst + oxEnd, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /** Overwrites the image gradient at dx[dxOff] with the sum of every column entry onto its pixel. */
    void col2im(float[] col, float[] dx, int dxOff) {
        java.util.Arrays.fill(dx, dxOff, dxOff + imageSize(), 0f);
        int positions = outputPositions();
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int rowBase = ((ch * kh + ky) * kw + kx) * positions;
                    int oxStart = firstValidOx(kx);
                    int oxEnd = endValidOx(kx);
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int src = rowBase + oy * ow;
                        int dst = dxOff + (ch * h + iy) * w + kx - padLeft;
                        for (int ox = oxStart; ox < oxEnd; ox++) {
                            dx[dst + ox * stride] += col[src + ox];
                        }
                    }
                }
            }
        }
    }
}
