package dev.netc.codegen.core;

import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Index arithmetic for row-major buffers: which element of an operand of one shape is read for the
 * linear index {@code i} of a loop over another shape (numpy broadcasting, transposition).
 */
public final class IndexExpr {
    private IndexExpr() {}

    /**
     * The offset into a buffer of shape {@code from} that broadcasts (right-aligned) to {@code loop},
     * for loop index {@code i}. Runs of adjacent axes the operand varies along collapse into one
     * div/mod term: a bias [10] read in a loop over [B, 10] is {@code i % 10}.
     */
    public static String broadcast(Shape from, Shape loop, String i) {
        int lead = loop.rank() - from.rank();
        if (lead < 0) throw new IllegalArgumentException(from + " does not broadcast to " + loop);
        boolean[] varies = new boolean[loop.rank()];
        boolean all = true, none = true;
        for (int k = 0; k < loop.rank(); k++) {
            varies[k] = k >= lead && !isOne(from.dim(k - lead)) && !isOne(loop.dim(k));
            all &= varies[k] || isOne(loop.dim(k));
            none &= !varies[k];
        }
        if (none) return "0";
        if (all) return i;
        List<String> terms = new ArrayList<>();
        int k = 0;
        while (k < loop.rank()) {
            if (!varies[k]) { k++; continue; }
            int start = k;
            while (k + 1 < loop.rank() && varies[k + 1]) k++;
            int end = k; // run [start, end]
            SizeExpr loopStride = SizeExpr.of(loop, end + 1, loop.rank());
            SizeExpr extent = SizeExpr.of(loop, start, end + 1);
            SizeExpr fromStride = SizeExpr.of(from, end + 1 - lead, from.rank());
            terms.add(term(i, loopStride, extent, start == 0 || allOnes(loop, 0, start), fromStride));
            k++;
        }
        return String.join(" + ", terms);
    }

    /** Offset into the input of a transpose for output index {@code i}: out axis k is input axis perm[k]. */
    public static String transpose(Shape in, Shape out, List<Integer> perm, String i) {
        List<String> terms = new ArrayList<>();
        for (int k = 0; k < out.rank(); k++) {
            if (isOne(out.dim(k))) continue;
            SizeExpr outStride = SizeExpr.of(out, k + 1, out.rank());
            SizeExpr inStride = SizeExpr.of(in, perm.get(k) + 1, in.rank());
            terms.add(term(i, outStride, SizeExpr.of(out.dim(k)), k == 0 || allOnes(out, 0, k), inStride));
        }
        return terms.isEmpty() ? "0" : String.join(" + ", terms);
    }

    /** ((i / stride) % extent) * scale, leaving out the trivial parts. */
    private static String term(String i, SizeExpr stride, SizeExpr extent, boolean outermost, SizeExpr scale) {
        String t = stride.isOne() ? i : i + " / " + stride.factor();
        if (!outermost) t = (stride.isOne() ? t : "(" + t + ")") + " % " + extent.factor();
        if (!scale.isOne()) t = (stride.isOne() && outermost ? t : "(" + t + ")") + " * " + scale.factor();
        return t;
    }

    private static boolean allOnes(Shape s, int from, int to) {
        for (int k = from; k < to; k++) if (!isOne(s.dim(k))) return false;
        return true;
    }

    private static boolean isOne(Dim d) { return d instanceof Dim.Known k && k.size() == 1; }
}
