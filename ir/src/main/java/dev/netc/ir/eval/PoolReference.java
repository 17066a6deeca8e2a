package dev.netc.ir.eval;

import dev.netc.ir.Padding;

/**
 * Max and average pooling over square windows (NCHW). For max pooling padded cells count as negative
 * infinity; average pooling divides by the number of in-bounds cells of each window.
 */
final class PoolReference {
    private PoolReference() {}

    static DTensor maxPool(DTensor x, int size, int stride, Padding pad, int[] outShape) {
        double[] y = new double[DTensor.count(outShape)];
        forEachWindow(x, size, stride, pad, outShape, (yi, argmax) ->
                y[yi] = argmax < 0 ? Double.NEGATIVE_INFINITY : x.data()[argmax]);
        return new DTensor(outShape, y);
    }

    /** Routes each dy to the first maximum of its window (row-major window order), accumulating. */
    static DTensor maxPoolGrad(DTensor x, DTensor dy, int size, int stride, Padding pad) {
        double[] dx = new double[x.size()];
        forEachWindow(x, size, stride, pad, dy.shape(), (yi, argmax) -> {
            if (argmax >= 0) dx[argmax] += dy.data()[yi];
        });
        return new DTensor(x.shape().clone(), dx);
    }

    /**
     * The window position (ky * size + kx) of the first maximum of each window, the one
     * {@link #maxPoolGrad} routes to; 0 for a window that is all padding (it routes nothing there).
     */
    static DTensor maxPoolArgmax(DTensor x, int size, int stride, Padding pad, int[] outShape) {
        double[] y = new double[DTensor.count(outShape)];
        int h = x.shape()[2], w = x.shape()[3], oh = outShape[2], ow = outShape[3];
        forEachWindow(x, size, stride, pad, outShape, (yi, argmax) -> {
            if (argmax < 0) return;
            int ky = (argmax / w) % h - (((yi / ow) % oh) * stride - pad.top());
            int kx = argmax % w - ((yi % ow) * stride - pad.left());
            y[yi] = ky * size + kx;
        });
        return new DTensor(outShape, y);
    }

    /** dx[cell] = dy[window] at the cell each window's argmax names, 0 elsewhere (windows tile x: stride = size). */
    static DTensor maxPoolGradIndexed(DTensor argmax, DTensor dy, int size, int[] inShape) {
        double[] dx = new double[DTensor.count(inShape)];
        int h = inShape[2], w = inShape[3], oh = dy.shape()[2], ow = dy.shape()[3];
        for (int yi = 0; yi < dy.size(); yi++) {
            int plane = yi / (oh * ow), oy = (yi / ow) % oh, ox = yi % ow, at = (int) argmax.data()[yi];
            dx[(plane * h + oy * size + at / size) * w + ox * size + at % size] = dy.data()[yi];
        }
        return new DTensor(inShape, dx);
    }

    private interface Window { void apply(int yOffset, int argmaxOffset); }

    /** For each output cell, the x offset of the first maximum of its window (-1 if the window is all padding). */
    private static void forEachWindow(DTensor x, int size, int stride, Padding pad, int[] outShape, Window body) {
        int[] xs = x.shape();
        int nc = xs[0] * xs[1], h = xs[2], w = xs[3], oh = outShape[2], ow = outShape[3];
        for (int p = 0; p < nc; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int arg = -1;
                    for (int ky = 0; ky < size; ky++)
                        for (int kx = 0; kx < size; kx++) {
                            int iy = oy * stride + ky - pad.top(), ix = ox * stride + kx - pad.left();
                            // A padded cell is -infinity: it never beats a real value that is found first or later.
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            int off = (p * h + iy) * w + ix;
                            if (arg < 0 || x.data()[off] > best) {
                                best = x.data()[off];
                                arg = off;
                            }
                        }
                    body.apply((p * oh + oy) * ow + ox, arg);
                }
    }

    /** The mean of the in-bounds cells of each window. */
    static DTensor avgPool(DTensor x, int size, int stride, Padding pad, int[] outShape) {
        double[] y = new double[DTensor.count(outShape)];
        forEachCell(x.shape(), size, stride, pad, outShape, (yi, xi, count) -> y[yi] += x.data()[xi] / count);
        return new DTensor(outShape, y);
    }

    /** The adjoint of avg_pool: each dy is spread evenly over the in-bounds cells of its window. */
    static DTensor avgPoolGrad(DTensor dy, int size, int stride, Padding pad, int[] inShape) {
        double[] dx = new double[DTensor.count(inShape)];
        forEachCell(inShape, size, stride, pad, dy.shape(), (yi, xi, count) -> dx[xi] += dy.data()[yi] / count);
        return new DTensor(inShape, dx);
    }

    private interface Cell { void apply(int yOffset, int xOffset, int windowCount); }

    /** Every (output cell, in-bounds input cell of its window) pair, with the window's in-bounds count. */
    private static void forEachCell(int[] xs, int size, int stride, Padding pad, int[] outShape, Cell body) {
        int nc = xs[0] * xs[1], h = xs[2], w = xs[3], oh = outShape[2], ow = outShape[3];
        for (int p = 0; p < nc; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int y0 = oy * stride - pad.top(), x0 = ox * stride - pad.left();
                    int ylo = Math.max(y0, 0), yhi = Math.min(y0 + size, h), xlo = Math.max(x0, 0), xhi = Math.min(x0 + size, w);
                    int count = Math.max(0, yhi - ylo) * Math.max(0, xhi - xlo);
                    for (int iy = ylo; iy < yhi; iy++)
                        for (int ix = xlo; ix < xhi; ix++) body.apply((p * oh + oy) * ow + ox, (p * h + iy) * w + ix, count);
                }
    }
}
