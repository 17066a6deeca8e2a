package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Plain-loop code for average pooling (and its adjoint), concat and slice. Buffers are read and
 * written as {@code this.field} so that the loop variables can never shadow a field of the same name.
 */
final class LayoutLoops {
    private LayoutLoops() {}

    /**
     * Average pooling of x [N, C, H, W] into y [N, C, OH, OW] (grad=false: in is x, out is y), or its
     * adjoint (grad=true: in is dy shaped like y, out is dx shaped like x). Each window is divided by
     * its number of in-bounds cells.
     */
    static CodeBlock avgPool(Shape x, Shape y, int size, int stride, Padding pad, boolean grad, String in, String out) {
        int h = x.size(2), w = x.size(3), oh = y.size(2), ow = y.size(3);
        SizeExpr planes = SizeExpr.of(x, 0, 2);
        CodeBlock.Builder b = CodeBlock.builder();
        if (grad) b.addStatement("$T.fill(this.$L, 0, $L, 0f)", Arrays.class, out, SizeExpr.count(x));
        b.beginControlFlow("for (int p = 0; p < $L; p++)", planes);
        b.beginControlFlow("for (int oy = 0; oy < $L; oy++)", oh);
        b.addStatement("int y0 = oy * $L - $L, ylo = Math.max(y0, 0), yhi = Math.min(y0 + $L, $L)", stride, pad.top(), size, h);
        b.beginControlFlow("for (int ox = 0; ox < $L; ox++)", ow);
        b.addStatement("int x0 = ox * $L - $L, xlo = Math.max(x0, 0), xhi = Math.min(x0 + $L, $L)", stride, pad.left(), size, w);
        b.addStatement("float inv = 1f / ((yhi - ylo) * (xhi - xlo))");
        b.addStatement("int yi = (p * $L + oy) * $L + ox", oh, ow);
        if (grad) {
            b.addStatement("float g = this.$L[yi] * inv", in);
            b.beginControlFlow("for (int iy = ylo; iy < yhi; iy++)");
            b.beginControlFlow("for (int ix = xlo; ix < xhi; ix++)");
            b.addStatement("this.$L[(p * $L + iy) * $L + ix] += g", out, h, w);
        } else {
            b.addStatement("float acc = 0f");
            b.beginControlFlow("for (int iy = ylo; iy < yhi; iy++)");
            b.beginControlFlow("for (int ix = xlo; ix < xhi; ix++)");
            b.addStatement("acc += this.$L[(p * $L + iy) * $L + ix]", in, h, w);
        }
        b.endControlFlow().endControlFlow();
        if (!grad) b.addStatement("this.$L[yi] = acc * inv", out);
        return b.endControlFlow().endControlFlow().endControlFlow().build();
    }

    /** Copies each part [outer, len_k, inner] into its range of out [outer, total, inner]. */
    static CodeBlock concat(List<Shape> parts, Shape y, int axis, List<String> ins, String out) {
        SizeExpr outer = SizeExpr.of(y, 0, axis), inner = SizeExpr.of(y, axis + 1, y.rank());
        int total = y.size(axis), offset = 0;
        CodeBlock.Builder b = CodeBlock.builder();
        for (int k = 0; k < parts.size(); k++) {
            int len = parts.get(k).size(axis);
            SizeExpr run = inner.times(new SizeExpr(len, 0));
            b.beginControlFlow("for (int o = 0; o < $L; o++)", outer);
            b.addStatement("System.arraycopy(this.$L, o * $L, this.$L, (o * $L + $L) * $L, $L)",
                    ins.get(k), run.factor(), out, total, offset, inner.factor(), run);
            b.endControlFlow();
            offset += len;
        }
        return b.build();
    }

    /** out [outer, len, inner] = x [outer, start : start + len, inner]. */
    static CodeBlock slice(Shape x, Shape y, int axis, int start, String in, String out) {
        SizeExpr outer = SizeExpr.of(y, 0, axis), inner = SizeExpr.of(y, axis + 1, y.rank());
        SizeExpr run = inner.times(new SizeExpr(y.size(axis), 0));
        return CodeBlock.builder()
                .beginControlFlow("for (int o = 0; o < $L; o++)", outer)
                .addStatement("System.arraycopy(this.$L, (o * $L + $L) * $L, this.$L, o * $L, $L)",
                        in, x.size(axis), start, inner.factor(), out, run.factor(), run)
                .endControlFlow().build();
    }
}
