package dev.netc.codegen.cuda;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;

/**
 * The CUDA library kernels of max pooling and its gradient on NCHW tensors, one thread per output
 * element (forward) or per input cell (gradient: it gathers from the windows that cover it, in the
 * Java backend's order, so no atomics are needed and sums match bit for bit).
 */
final class CudaPooling {
    private CudaPooling() {}

    /** y = max over each window; padded cells count as -infinity, the first strict maximum wins. */
    static String maxPool(KernelWriter w, Shape x, int size, int stride, Padding pad, Shape y, String in, String out) {
        int h = x.size(2), wd = x.size(3), oh = y.size(2), ow = y.size(3);
        String count = count(y);
        gridStride(w, count);
        w.line("const float* xp = " + in + " + (i / " + (oh * ow) + ") * " + (h * wd) + ";");
        w.line("const int best = netc_first_max(xp, " + h + ", " + wd + ", " + size + ", ((i / " + ow + ") % " + oh + ") * "
                + stride + " - " + pad.top() + ", (i % " + ow + ") * " + stride + " - " + pad.left() + ");");
        w.line(out + "[i] = best < 0 ? __int_as_float(0xff800000) : xp[best];");
        return endGridStride(w, count);
    }

    /** argmax = the window position (ky * size + kx) of each window's first maximum; 0 for a window all padding. */
    static String maxPoolArgmax(KernelWriter w, Shape x, int size, int stride, Padding pad, Shape y, String in, String out) {
        int h = x.size(2), wd = x.size(3), oh = y.size(2), ow = y.size(3);
        String count = count(y);
        gridStride(w, count);
        w.line("const float* xp = " + in + " + (i / " + (oh * ow) + ") * " + (h * wd) + ";");
        w.line("const int y0 = ((i / " + ow + ") % " + oh + ") * " + stride + " - " + pad.top() + ", x0 = (i % " + ow + ") * "
                + stride + " - " + pad.left() + ";");
        w.line("const int best = netc_first_max(xp, " + h + ", " + wd + ", " + size + ", y0, x0);");
        w.line(out + "[i] = best < 0 ? 0 : (unsigned char) ((best / " + wd + " - y0) * " + size + " + best % " + wd + " - x0);");
        return endGridStride(w, count);
    }

    /** dx[cell] = sum of dy over the windows whose first maximum is this cell. */
    static String maxPoolGrad(KernelWriter w, Shape x, int size, int s, Padding pad, Shape dy, String in, String dyIn, String out) {
        int h = x.size(2), wd = x.size(3), oh = dy.size(2), ow = dy.size(3), pt = pad.top(), pl = pad.left();
        String count = count(x);
        gridStride(w, count);
        windows(w, h, wd, oh, ow, size, s, pt, pl);
        w.line("const float* xp = " + in + " + plane * " + (h * wd) + ";");
        w.line("float g = 0.0f;");
        w.open("for (int oy = oy0; oy <= oy1; ++oy)");
        w.open("for (int ox = ox0; ox <= ox1; ++ox)");
        w.line("if (netc_first_max(xp, " + h + ", " + wd + ", " + size + ", oy * " + s + " - " + pt + ", ox * " + s + " - " + pl
                + ") == cell) g += " + dyIn + "[plane * " + (oh * ow) + " + oy * " + ow + " + ox];");
        w.close().close();
        w.line(out + "[i] = g;");
        return endGridStride(w, count);
    }

    /** The range [oy0, oy1] x [ox0, ox1] of windows covering input cell i (plane, iy, ix). */
    private static void windows(KernelWriter w, int h, int wd, int oh, int ow, int size, int s, int pt, int pl) {
        w.line("const int plane = i / " + (h * wd) + ", cell = i % " + (h * wd) + ", iy = cell / " + wd + ", ix = cell % " + wd + ";");
        w.line("const int ylo0 = iy + " + (pt - size + 1) + ", xlo0 = ix + " + (pl - size + 1) + ";");
        w.line("const int oy0 = ylo0 <= 0 ? 0 : (ylo0 + " + (s - 1) + ") / " + s + ", oy1 = min(" + (oh - 1) + ", (iy + " + pt + ") / " + s + ");");
        w.line("const int ox0 = xlo0 <= 0 ? 0 : (xlo0 + " + (s - 1) + ") / " + s + ", ox1 = min(" + (ow - 1) + ", (ix + " + pl + ") / " + s + ");");
    }

    private static void gridStride(KernelWriter w, String count) {
        w.line("const int count = " + count + ";");
        w.open("for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x)");
    }

    private static String endGridStride(KernelWriter w, String count) {
        w.close();
        return KernelWriter.blocks(count, CudaLoopPrinter.THREADS);
    }

    private static String count(Shape s) { return SizeExpr.count(s).toString(); }
}
