package dev.netc.codegen.java.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2-D convolution on NCHW tensors with [F, C, KH, KW] weights, as im2col + {@link Gemm} per image,
 * parallel over the batch (per-thread column buffers). With a single image the GEMM itself runs in
 * parallel instead. Padding is zero; padBottom/padRight are implied by oh and ow.
 *
 * <p>y[n,f,oy,ox] = sum over c, ky, kx of x[n, c, oy*stride+ky-padTop, ox*stride+kx-padLeft] * w[f,c,ky,kx].
 */
public final class Conv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
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
        ConvGeometry g = new ConvGeometry(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        int patch = g.patchSize();
        int positions = g.outputPositions();
        int weightCount = f * patch;
        if (n <= 0) {
            java.util.Arrays.fill(dw, 0, weightCount, 0f);
            return;
        }
        // Each chunk of images sums into its own buffer (chunk 0 straight into dw); then buffers are added.
        int chunks = Math.min(n, Parallel.threads());
        float[][] partials = new float[chunks][];
        partials[0] = dw;
        for (int t = 1; t < chunks; t++) {
            partials[t] = new float[weightCount];
        }
        Parallel.forRange(chunks, chunk -> {
            float[] target = partials[chunk];
            int first = (int) ((long) n * chunk / chunks);
            int end = (int) ((long) n * (chunk + 1) / chunks);
            for (int image = first; image < end; image++) {
                int xOff = image * g.imageSize();
                int dyOff = image * g.outputSize();
                float beta = image == first ? 0f : 1f;
                // dw (f x patch) += dy (f x positions) @ columns^T (positions x patch)
                if (g.isPointwise()) {
                    Gemm.sgemm(false, true, f, patch, positions, dy, dyOff, x, xOff, beta, target, 0);
                } else {
                    float[] col = COLUMNS.atLeast(patch * positions);
                    g.im2col(x, xOff, col);
                    Gemm.sgemm(false, true, f, patch, positions, dy, dyOff, col, 0, beta, target, 0);
                }
            }
        });
        for (int t = 1; t < chunks; t++) {
            addInto(dw, partials[t], weightCount);
        }
    }

    private static void addInto(float[] sum, float[] part, int length) {
        int i = 0;
        for (int upper = S.loopBound(length); i < upper; i += S.length()) {
            FloatVector.fromArray(S, sum, i).add(FloatVector.fromArray(S, part, i)).intoArray(sum, i);
        }
        for (; i < length; i++) {
            sum[i] += part[i];
        }
    }
}
