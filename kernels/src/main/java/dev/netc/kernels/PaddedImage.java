package dev.netc.kernels;

/**
 * One convolution input image copied into a zero-bordered buffer [c][rows][cols] that covers every
 * pixel any filter tap reads, so im2col becomes a pure gather: the pixel tap p sees from output
 * position q is at {@code tapOffsets[p] + positionOffsets[q]}, with no padding tests.
 *
 * @param rows padded height: (oh - 1) * stride + kh
 * @param cols padded width: (ow - 1) * stride + kw
 */
record PaddedImage(ConvGeometry g, int rows, int cols) {

    /** The padded images made most recently, newest last; replaced whole, never written in place. */
    private static volatile PaddedImage[] recent = new PaddedImage[0];

    /** The padded image of g: the same object as a recent call's for an equal geometry (see {@link ConvGeometry#of}). */
    static PaddedImage of(ConvGeometry g) {
        PaddedImage[] known = recent;
        for (int i = known.length - 1; i >= 0; i--) {
            if (known[i].g == g || known[i].g.equals(g)) {
                return known[i];
            }
        }
        PaddedImage made = new PaddedImage(g, (g.oh() - 1) * g.stride() + g.kh(), (g.ow() - 1) * g.stride() + g.kw());
        recent = ConvGeometry.withNewest(known, made);
        return made;
    }

    int size() {
        return g.c() * rows * cols;
    }

    /** Whether padding crops none of the image: its pixels lie inside the buffer, so a producer can write them in place. */
    boolean holdsWholeImage() {
        return g.padTop() >= 0 && g.padLeft() >= 0 && g.padTop() + g.h() <= rows && g.padLeft() + g.w() <= cols;
    }

    /** Where the image's pixel (0, 0) of each channel sits in the buffer, relative to the channel's start. */
    int interiorOffset() {
        return g.padTop() * cols + g.padLeft();
    }

    /** Zeroes dst[dstOff, dstOff + size()) outside the image's pixels, for a producer that then writes them in place. */
    void clearBorder(float[] dst, int dstOff) {
        int top = g.padTop(), bottom = top + g.h(), left = g.padLeft(), right = left + g.w();
        for (int ch = 0; ch < g.c(); ch++) {
            int plane = dstOff + ch * rows * cols;
            java.util.Arrays.fill(dst, plane, plane + top * cols, 0f);
            for (int py = top; py < bottom; py++) {
                int row = plane + py * cols;
                java.util.Arrays.fill(dst, row, row + left, 0f);
                java.util.Arrays.fill(dst, row + right, row + cols, 0f);
            }
            java.util.Arrays.fill(dst, plane + bottom * cols, plane + rows * cols, 0f);
        }
    }

    /**
     * The offset tables of each geometry, computed once: a model runs the same few geometries every
     * step, and the kernels' hot path allocates nothing. Callers never write into the tables.
     */
    private static final java.util.concurrent.ConcurrentHashMap<ConvGeometry, int[][]> OFFSETS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Offset of tap p = (channel, ky, kx) relative to the top-left pixel of an output position's window (shared: read only). */
    int[] tapOffsets() {
        return offsets()[0];
    }

    /** Offset of the window's top-left pixel for each output position q = oy * ow + ox (shared: read only). */
    int[] positionOffsets() {
        return offsets()[1];
    }

    private int[][] offsets() {
        // looked up first: a capturing lambda is allocated on every call, and this runs per image
        int[][] cached = OFFSETS.get(g);
        return cached != null ? cached : OFFSETS.computeIfAbsent(g, key -> new int[][] {computeTapOffsets(), computePositionOffsets()});
    }

    private int[] computeTapOffsets() {
        int[] offsets = new int[g.patchSize()];
        int p = 0;
        for (int ch = 0; ch < g.c(); ch++) {
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++) {
                    offsets[p++] = (ch * rows + ky) * cols + kx;
                }
            }
        }
        return offsets;
    }

    private int[] computePositionOffsets() {
        int[] offsets = new int[g.outputPositions()];
        for (int oy = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++) {
                offsets[oy * g.ow() + ox] = oy * g.stride() * cols + ox * g.stride();
            }
        }
        return offsets;
    }

    /** dst[0, size()) = the image at x[xOff] shifted by the padding, zero outside the image. */
    void fill(float[] x, int xOff, float[] dst) {
        fill(x, xOff, dst, 0);
    }

    /** {@link #fill} into dst[dstOff, dstOff + size()). */
    void fill(float[] x, int xOff, float[] dst, int dstOff) {
        int h = g.h();
        int w = g.w();
        // Padded column px holds input column px - padLeft; copy the overlap, zero the rest.
        int colStart = Math.clamp(g.padLeft(), 0, cols);
        int colEnd = Math.clamp((long) g.padLeft() + w, colStart, cols);
        int srcCol = colStart - g.padLeft();
        for (int ch = 0; ch < g.c(); ch++) {
            for (int py = 0; py < rows; py++) {
                int to = dstOff + (ch * rows + py) * cols;
                int iy = py - g.padTop();
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(dst, to, to + cols, 0f);
                    continue;
                }
                for (int px = 0; px < colStart; px++) {
                    dst[to + px] = 0f;
                }
                System.arraycopy(x, xOff + (ch * h + iy) * w + srcCol, dst, to + colStart, colEnd - colStart);
                for (int px = colEnd; px < cols; px++) {
                    dst[to + px] = 0f;
                }
            }
        }
    }
}
