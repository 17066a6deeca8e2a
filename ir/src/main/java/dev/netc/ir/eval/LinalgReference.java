package dev.netc.ir.eval;

import dev.netc.ir.Padding;

/** Matrix product and 2-D convolution (NCHW, weights [F, C, KH, KW]) with their adjoints. */
final class LinalgReference {
    private LinalgReference() {}

    static DTensor matMul(DTensor a, DTensor b, boolean ta, boolean tb) {
        int ar = a.shape()[0], ac = a.shape()[1], br = b.shape()[0], bc = b.shape()[1];
        int m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a.data()[p * ac + i] : a.data()[i * ac + p];
                    double bv = tb ? b.data()[j * bc + p] : b.data()[p * bc + j];
                    s += av * bv;
                }
                out[i * n + j] = s;
            }
        return new DTensor(new int[] {m, n}, out);
    }

    /** The geometry shared by a convolution and its two adjoints. */
    private record Geometry(int n, int c, int h, int w, int f, int kh, int kw, int oh, int ow, int stride, Padding pad) {
        int xAt(int ni, int ci, int iy, int ix) { return ((ni * c + ci) * h + iy) * w + ix; }
        int wAt(int fi, int ci, int ky, int kx) { return ((fi * c + ci) * kh + ky) * kw + kx; }
        int yAt(int ni, int fi, int oy, int ox) { return ((ni * f + fi) * oh + oy) * ow + ox; }

        /** Calls body(xOffset, wOffset, yOffset) for every in-bounds term of the convolution sum. */
        void forEachTerm(Term body) {
            for (int ni = 0; ni < n; ni++)
                for (int fi = 0; fi < f; fi++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                            for (int ci = 0; ci < c; ci++)
                                for (int ky = 0; ky < kh; ky++) {
                                    int iy = oy * stride + ky - pad.top();
                                    if (iy < 0 || iy >= h) continue;
                                    for (int kx = 0; kx < kw; kx++) {
                                        int ix = ox * stride + kx - pad.left();
                                        if (ix < 0 || ix >= w) continue;
                                        body.apply(xAt(ni, ci, iy, ix), wAt(fi, ci, ky, kx), yAt(ni, fi, oy, ox));
                                    }
                                }
        }
    }

    private interface Term { void apply(int x, int w, int y); }

    /** y[n,f,oy,ox] = sum x[n,c,oy*s+ky-top, ox*s+kx-left] * w[f,c,ky,kx], zero outside x. */
    static DTensor conv2d(DTensor x, DTensor w, int stride, Padding pad, int[] outShape) {
        int[] xs = x.shape(), ws = w.shape();
        Geometry g = new Geometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], outShape[2], outShape[3], stride, pad);
        double[] y = new double[DTensor.count(outShape)];
        g.forEachTerm((xi, wi, yi) -> y[yi] += x.data()[xi] * w.data()[wi]);
        return new DTensor(outShape, y);
    }

    /** The adjoint of conv2d in its input: dx from (dy, w); outShape is [N, C, H, W]. */
    static DTensor conv2dBackwardData(DTensor dy, DTensor w, int stride, Padding pad, int[] outShape) {
        int[] ds = dy.shape(), ws = w.shape();
        Geometry g = new Geometry(outShape[0], outShape[1], outShape[2], outShape[3], ws[0], ws[2], ws[3], ds[2], ds[3], stride, pad);
        double[] dx = new double[DTensor.count(outShape)];
        g.forEachTerm((xi, wi, yi) -> dx[xi] += dy.data()[yi] * w.data()[wi]);
        return new DTensor(outShape, dx);
    }

    /** The adjoint of conv2d in its weights: dw from (x, dy); outShape is [F, C, KH, KW]. */
    static DTensor conv2dBackwardFilter(DTensor x, DTensor dy, int stride, Padding pad, int[] outShape) {
        int[] xs = x.shape(), ds = dy.shape();
        Geometry g = new Geometry(xs[0], xs[1], xs[2], xs[3], outShape[0], outShape[2], outShape[3], ds[2], ds[3], stride, pad);
        double[] dw = new double[DTensor.count(outShape)];
        g.forEachTerm((xi, wi, yi) -> dw[wi] += x.data()[xi] * dy.data()[yi]);
        return new DTensor(outShape, dw);
    }
}
