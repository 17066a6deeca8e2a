package dev.netc.kernels;

/**
 * The shape of one 2-D convolution (NCHW input, [F, C, KH, KW] weights) plus the im2col and col2im
 * transforms over it. The column matrix of one image is (C*KH*KW) x (OH*OW): row (c, ky, kx) holds
 * the input pixel each output position sees through that filter tap, zero where it falls in padding.
 */
record ConvGeometry(int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                    int oh, int ow) {

    /** The geometries made most recently, newest last; replaced whole, never written in place. */
    private static volatile ConvGeometry[] recent = new ConvGeometry[0];
    /** How many {@link #recent} keeps: a model's convolutions and their gradients' geometries. */
    private static final int RECENT = 32;

    /**
     * The geometry with these values: the same object as a recent call's when there was one. A kernel is
     * called with the same shapes every step, and a geometry made per call was, with what captured it, a
     * seventh of the heap a training step allocated.
     */
    static ConvGeometry of(int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft, int oh, int ow) {
        ConvGeometry[] known = recent;
        for (int i = known.length - 1; i >= 0; i--) {
            ConvGeometry g = known[i];
            if (g.c == c && g.h == h && g.w == w && g.f == f && g.kh == kh && g.kw == kw && g.stride == stride
                    && g.padTop == padTop && g.padLeft == padLeft && g.oh == oh && g.ow == ow) {
                return g;
            }
        }
        ConvGeometry made = new ConvGeometry(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        recent = withNewest(known, made);
        return made;
    }

    /**
     * known (newest last) with made appended and the oldest dropped past {@link #RECENT}: a copy, published
     * whole by its caller. A race between two threads loses one of their entries, never a value: each
     * returns its own. Also {@link PaddedImage#of}'s and {@link Epilogue#of}'s.
     */
    static <T> T[] withNewest(T[] known, T made) {
        int keep = Math.min(known.length, RECENT - 1);
        T[] next = java.util.Arrays.copyOfRange(known, known.length - keep, known.length + 1);
        next[keep] = made;
        return next;
    }

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

    /**
     * Writes one packed GEMM sliver of the image's column matrix (see {@link PanelSource}): column
     * matrix rows [p0, p0 + kc), output positions [j0, j0 + NR), zero past the last position.
     */
    void packColumns(float[] x, int xOff, int j0, int p0, int kc, float[] dst, int dstOff) {
        final int nr = GemmMicroKernel.NR;
        int cols = Math.min(nr, outputPositions() - j0);
        int oyFirst = j0 / ow;
        int oxFirst = j0 % ow;
        for (int p = 0; p < kc; p++) {
            int row = p0 + p;
            int kx = row % kw;
            int ky = (row / kw) % kh;
            int channelBase = xOff + (row / (kw * kh)) * h * w;
            int validStart = firstValidOx(kx);
            int validEnd = endValidOx(kx);
            int to = dstOff + p * nr;
            int oy = oyFirst;
            int ox = oxFirst;
            // Walk the sliver one output row segment at a time: padding cells, then a run of pixels.
            for (int jj = 0; jj < cols; ) {
                int run = Math.min(cols - jj, ow - ox);
                int iy = oy * stride + ky - padTop;
                int segmentEnd = ox + run;
                int lo = ox;
                int hi = ox;
                if (iy >= 0 && iy < h) {
                    lo = Math.min(segmentEnd, Math.max(ox, validStart));
                    hi = Math.max(lo, Math.min(segmentEnd, validEnd));
                }
                int base = to + jj - ox; // dst index of output column ox in this segment
                for (int o = ox; o < lo; o++) {
                    dst[base + o] = 0f;
                }
                int src = channelBase + iy * w + kx - padLeft;
                for (int o = lo; o < hi; o++) {
                    dst[base + o] = x[src + o * stride];
                }
                for (int o = hi; o < segmentEnd; o++) {
                    dst[base + o] = 0f;
                }
                jj += run;
                ox = 0;
                oy++;
            }
            for (int jj = cols; jj < nr; jj++) {
                dst[to + jj] = 0f;
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
