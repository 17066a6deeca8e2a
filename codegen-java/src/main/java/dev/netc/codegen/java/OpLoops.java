package dev.netc.codegen.java;

import dev.netc.codegen.core.IndexExpr;
import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Dim;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Plain-loop code for the ops the kernel library does not cover: reductions, softmax, layout. */
final class OpLoops {
    private OpLoops() {}

    /**
     * out = fn over the axes of x whose size in {@code reducedShape} is 1 (reducedShape has x's rank,
     * and lays out like out). Serves both Reduce and SumTo.
     */
    static CodeBlock reduce(ReduceFn fn, Shape x, Shape reducedShape, String in, String out) {
        int[] block = keptBlock(x, reducedShape);
        if (fn != ReduceFn.MAX && block != null) {
            SizeExpr reduced = fn == ReduceFn.MEAN ? ratio(x, reducedShape) : SizeExpr.ONE;
            return CodeBlock.builder().addStatement("$T.sum($L, $L, $L, $L, $L, $L)", LibraryCalls.REDUCTIONS, in,
                    SizeExpr.of(x, 0, block[0]), SizeExpr.of(x, block[0], block[1]), SizeExpr.of(x, block[1], x.rank()),
                    reduced.isOne() ? "1f" : "1f / (" + reduced + ")", out).build();
        }
        SizeExpr inCount = SizeExpr.count(x), outCount = SizeExpr.count(reducedShape);
        String idx = IndexExpr.broadcast(reducedShape, x, "i");
        CodeBlock.Builder b = CodeBlock.builder();
        b.addStatement("$T.fill($L, 0, $L, $L)", Arrays.class, out, outCount, fn == ReduceFn.MAX ? "Float.NEGATIVE_INFINITY" : "0f");
        b.beginControlFlow("for (int i = 0; i < $L; i++)", inCount);
        if (fn == ReduceFn.MAX) {
            b.addStatement("int o = $L", idx);
            b.addStatement("$L[o] = Math.max($L[o], $L[i])", out, out, in);
        } else {
            b.addStatement("$L[$L] += $L[i]", out, idx, in);
        }
        b.endControlFlow();
        if (fn == ReduceFn.MEAN) {
            SizeExpr reduced = ratio(x, reducedShape);
            b.addStatement("final float scale = 1f / ($L)", reduced);
            b.beginControlFlow("for (int o = 0; o < $L; o++)", outCount);
            b.addStatement("$L[o] *= scale", out);
            b.endControlFlow();
        }
        return b.build();
    }

    /**
     * The axes [from, to) of x that the reduction keeps, when they are one contiguous block (axes of
     * size 1 may fall on either side); null when kept axes are separated by a reduced one.
     */
    static int[] keptBlock(Shape x, Shape reducedShape) {
        int first = -1, last = -1;
        for (int k = 0; k < x.rank(); k++) {
            boolean unit = x.dim(k) instanceof Dim.Known d && d.size() == 1;
            if (unit) continue;
            if (reducedShape.dim(k).equals(x.dim(k))) {
                if (first < 0) first = k;
                last = k;
            }
        }
        if (first < 0) return new int[] {0, 0};
        for (int k = first; k <= last; k++) {
            boolean unit = x.dim(k) instanceof Dim.Known d && d.size() == 1;
            if (!unit && !reducedShape.dim(k).equals(x.dim(k))) return null;
        }
        return new int[] {first, last + 1};
    }

    /** x with the given axes set to 1 (for a Reduce). */
    static Shape keepDims(Shape x, List<Integer> axes) {
        return x.withUnitAxes(axes);
    }

    /** target right-aligned to the rank of x with leading 1s (for a SumTo). */
    static Shape padRank(Shape target, int rank) {
        return target.padToRank(rank);
    }

    private static SizeExpr ratio(Shape x, Shape reduced) {
        SizeExpr r = SizeExpr.ONE;
        for (int k = 0; k < x.rank(); k++)
            if (!x.dim(k).equals(reduced.dim(k))) r = r.times(SizeExpr.of(x.dim(k)));
        return r;
    }

    /** What to compute along the axis of a softmax-like op. */
    enum AxisOp { SOFTMAX, LOG_SOFTMAX, ARGMAX }

    /** Softmax, log-softmax or argmax along one axis, numerically stable (max subtracted first). */
    static CodeBlock alongAxis(AxisOp op, Shape x, int axis, String in, String out) {
        SizeExpr outer = SizeExpr.of(x, 0, axis), len = SizeExpr.of(x.dim(axis)), inner = SizeExpr.of(x, axis + 1, x.rank());
        boolean contiguous = inner.isOne();
        CodeBlock.Builder b = CodeBlock.builder();
        b.beginControlFlow("for (int o = 0; o < $L; o++)", outer);
        if (contiguous) {
            b.addStatement("int base = o * $L", len.factor());
        } else {
            b.beginControlFlow("for (int j = 0; j < $L; j++)", inner);
            b.addStatement("int base = o * $L * $L + j", len.factor(), inner.factor());
        }
        String at = contiguous ? "base + k" : "base + k * " + inner.factor();
        switch (op) {
            case ARGMAX -> {
                b.addStatement("int best = 0");
                b.addStatement("float max = $L[base]", in);
                b.beginControlFlow("for (int k = 1; k < $L; k++)", len);
                b.beginControlFlow("if ($L[$L] > max)", in, at);
                b.addStatement("max = $L[$L]", in, at);
                b.addStatement("best = k");
                b.endControlFlow();
                b.endControlFlow();
                b.addStatement("$L[$L] = best", out, contiguous ? "o" : "o * " + inner.factor() + " + j");
            }
            case SOFTMAX, LOG_SOFTMAX -> {
                b.addStatement("float max = Float.NEGATIVE_INFINITY");
                b.beginControlFlow("for (int k = 0; k < $L; k++)", len);
                b.addStatement("max = Math.max(max, $L[$L])", in, at);
                b.endControlFlow();
                b.addStatement("float sum = 0f");
                b.beginControlFlow("for (int k = 0; k < $L; k++)", len);
                if (op == AxisOp.SOFTMAX) {
                    b.addStatement("float e = (float) Math.exp($L[$L] - max)", in, at);
                    b.addStatement("$L[$L] = e", out, at);
                    b.addStatement("sum += e");
                } else {
                    b.addStatement("sum += (float) Math.exp($L[$L] - max)", in, at);
                }
                b.endControlFlow();
                if (op == AxisOp.SOFTMAX) {
                    b.addStatement("float inv = 1f / sum");
                    b.beginControlFlow("for (int k = 0; k < $L; k++)", len);
                    b.addStatement("$L[$L] *= inv", out, at);
                } else {
                    b.addStatement("float lse = max + (float) Math.log(sum)");
                    b.beginControlFlow("for (int k = 0; k < $L; k++)", len);
                    b.addStatement("$L[$L] = $L[$L] - lse", out, at, in, at);
                }
                b.endControlFlow();
            }
        }
        if (!contiguous) b.endControlFlow();
        b.endControlFlow();
        return b.build();
    }

    static CodeBlock transpose(Shape in, Shape out, List<Integer> perm, String inField, String outField) {
        return CodeBlock.builder()
                .beginControlFlow("for (int i = 0; i < $L; i++)", SizeExpr.count(out))
                .addStatement("$L[i] = $L[$L]", outField, inField, IndexExpr.transpose(in, out, perm, "i"))
                .endControlFlow().build();
    }

    /** out[..., c] = 1 where c is the class index, other entries 0; out-of-range indices give a zero row. */
    static CodeBlock oneHot(Shape indices, int depth, String in, String out) {
        return CodeBlock.builder()
                .addStatement("$T.fill($L, 0f)", Arrays.class, out)
                .beginControlFlow("for (int i = 0; i < $L; i++)", SizeExpr.count(indices))
                .addStatement("int c = $L[i]", in)
                .beginControlFlow("if (c >= 0 && c < $L)", depth)
                .addStatement("$L[i * $L + c] = 1f", out, depth)
                .endControlFlow()
                .endControlFlow().build();
    }
}
