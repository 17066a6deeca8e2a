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
        if (size == 2) {
            pool2x2(x, xOff, planes, h, w, pooled, argmax, pooledOff);
            return;
        }
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
     * {@link #pool} for 2 x 2 windows without data-dependent branches: on activations the winner is a coin
     * toss, and the JIT's branches mispredicted so often that pooling took twice the convolution's time.
     */
    private static void pool2x2(float[] x, int xOff, int planes, int h, int w, float[] pooled, byte[] argmax, int pooledOff) {
        int oh = h / 2, ow = w / 2;
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int out = pooledOff + (plane * oh + oy) * ow;
                int top = xOff + (plane * h + oy * 2) * w;
                int bottom = top + w;
                for (int ox = 0; ox < ow; ox++) {
                    int i = 2 * ox;
                    float a = x[top + i], b = x[top + i + 1], c = x[bottom + i], d = x[bottom + i + 1];
                    // the first strict maximum in window order, as pool's loop finds it, in integer arithmetic
                    int gt = greater(b, a);
                    float ab = select(gt, b, a);
                    int pab = gt;
                    gt = greater(c, ab);
                    float abc = select(gt, c, ab);
                    int pabc = pab ^ ((pab ^ 2) & -gt);
                    gt = greater(d, abc);
                    float best = select(gt, d, abc);
                    int position = pabc ^ ((pabc ^ 3) & -gt);
                    pooled[out + ox] = best;
                    if (argmax != null) {
                        argmax[out + ox] = (byte) position;
                    }
                }
            }
        }
    }

    /**
     * 1 when x > y, else 0, without a branch: the sign of x - y (a difference of distinct floats is never
     * zero; adding +0 turns the -0 of equal operands into +0). Activations are finite here; a NaN
     * gives either answer.
     */
    private static int greater(float x, float y) {
        return Float.floatToRawIntBits((y - x) + 0f) >>> 31;
    }

    /** yes when flag is 1, no when it is 0, by bit masks. */
    private static float select(int flag, float yes, float no) {
        int mask = -flag;
        return Float.intBitsToFloat((Float.floatToRawIntBits(yes) & mask) | (Float.floatToRawIntBits(no) & ~mask));
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
