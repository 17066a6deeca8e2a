package dev.netc.kernels;

import java.util.Arrays;

/**
 * Max pooling over windows that tile an image (stride = size, no padding) with the argmax kept as
 * the window position ky * size + kx of the first strict maximum (row-major window order, the rule
 * of {@link Pooling#maxPoolGrad} and the float64 reference), and its inverse: the pooled gradient
 * expanded back to the image, dy at each argmax and zero elsewhere. Both work on one image that is
 * still in cache: the pooled convolution ({@link ConvPooled}) calls them on the image it just
 * computed or is about to read.
 */
final class PoolWindows {
    private PoolWindows() {}

    /**
     * pooled[pooledOff..] and argmax[pooledOff..] (may be null) of the planes x [planes][h][w] from
     * xOff; h and w are multiples of size.
     */
    static void pool(float[] x, int xOff, int planes, int h, int w, int size, float[] pooled, byte[] argmax, int pooledOff) {
        int oh = h / size, ow = w / size;
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int out = pooledOff + (plane * oh + oy) * ow;
                int rowStart = xOff + (plane * h + oy * size) * w;
                for (int ox = 0; ox < ow; ox++) {
                    int at = rowStart + ox * size;
                    float best = x[at];
                    int position = 0;
                    for (int ky = 0; ky < size; ky++) {
                        for (int kx = 0; kx < size; kx++) {
                            float v = x[at + ky * w + kx];
                            if (v > best) { // strict: a tie keeps the first maximum
                                best = v;
                                position = ky * size + kx;
                            }
                        }
                    }
                    pooled[out + ox] = best;
                    if (argmax != null) {
                        argmax[out + ox] = (byte) position;
                    }
                }
            }
        }
    }

    /**
     * dst [planes][oh * size][ow * size] from dstOff = dy of each window (from dyOff) at the cell its
     * argmax names, zero elsewhere.
     */
    static void expand(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst, int dstOff) {
        int h = oh * size, w = ow * size;
        Arrays.fill(dst, dstOff, dstOff + planes * h * w, 0f);
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int in = dyOff + (plane * oh + oy) * ow;
                int rowStart = dstOff + (plane * h + oy * size) * w;
                for (int ox = 0; ox < ow; ox++) {
                    int position = argmax[in + ox];
                    dst[rowStart + (position / size) * w + ox * size + position % size] = dy[in + ox];
                }
            }
        }
    }
}
