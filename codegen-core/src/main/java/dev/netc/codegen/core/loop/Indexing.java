package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import java.util.List;

/**
 * Index arithmetic for row-major buffers as expressions: which element of an operand of one shape is
 * read at linear index {@code i} of a loop over another shape (numpy broadcasting, transposition),
 * and how a vector of consecutive loop indices maps to that operand ({@link Lanes}).
 */
public final class Indexing {
    private Indexing() {}

    /**
     * The offset into a buffer of shape {@code from} that broadcasts (right-aligned) to {@code loop}.
     * Runs of adjacent axes the operand varies along collapse into one div/mod term: a bias [10] read
     * in a loop over [B, 10] is {@code i % 10}.
     */
    public static Expr broadcast(Shape from, Shape loop, Expr i) {
        int lead = loop.rank() - from.rank();
        if (lead < 0) throw new IllegalArgumentException(from + " does not broadcast to " + loop);
        boolean[] varies = varying(from, loop);
        boolean all = true, none = true;
        for (int k = 0; k < loop.rank(); k++) {
            all &= varies[k] || loop.dim(k).isOne();
            none &= !varies[k];
        }
        if (none) return Expr.i(0);
        if (all) return i;
        Expr sum = Expr.i(0);
        int k = 0;
        while (k < loop.rank()) {
            if (!varies[k]) { k++; continue; }
            int start = k;
            while (k + 1 < loop.rank() && varies[k + 1]) k++;
            SizeExpr loopStride = SizeExpr.of(loop, k + 1, loop.rank());
            SizeExpr extent = SizeExpr.of(loop, start, k + 1);
            SizeExpr fromStride = SizeExpr.of(from, k + 1 - lead, from.rank());
            sum = Expr.add(sum, term(i, loopStride, extent, start == 0 || allOnes(loop, 0, start), fromStride));
            k++;
        }
        return sum;
    }

    /** Offset into the input of a transpose for output index {@code i}: out axis k is input axis perm[k]. */
    public static Expr transpose(Shape in, Shape out, List<Integer> perm, Expr i) {
        Expr sum = Expr.i(0);
        for (int k = 0; k < out.rank(); k++) {
            if (out.dim(k).isOne()) continue;
            SizeExpr outStride = SizeExpr.of(out, k + 1, out.rank());
            SizeExpr inStride = SizeExpr.of(in, perm.get(k) + 1, in.rank());
            sum = Expr.add(sum, term(i, outStride, SizeExpr.of(out.dim(k)), k == 0 || allOnes(out, 0, k), inStride));
        }
        return sum;
    }

    /** ((i / stride) % extent) * scale, leaving out the trivial parts. */
    private static Expr term(Expr i, SizeExpr stride, SizeExpr extent, boolean outermost, SizeExpr scale) {
        Expr t = stride.isOne() ? i : Expr.op(i, "/", Expr.size(stride));
        if (!outermost) t = Expr.op(t, "%", Expr.size(extent));
        return Expr.mul(t, Expr.size(scale));
    }

    /**
     * How lanes i .. i + {@link Lanes#MULTIPLE} - 1 of a loop over {@code loop} read an operand of
     * shape {@code from} broadcast to it.
     */
    public static Lanes lanes(Shape from, Shape loop) {
        int lead = loop.rank() - from.rank();
        boolean[] varies = varying(from, loop);
        int last = -1; // the last loop axis the operand varies along
        for (int k = 0; k < loop.rank(); k++) if (varies[k]) last = k;
        if (last < 0) return Lanes.UNIFORM;
        SizeExpr inner = SizeExpr.of(loop, last + 1, loop.rank());
        if (!inner.isOne()) {
            if (dividesIntoVectors(inner)) return Lanes.UNIFORM;
            return inner.isKnown() && inner.known() >= Lanes.MULTIPLE ? new Lanes.Runs(inner.known()) : Lanes.GATHER;
        }
        int start = last; // the run of varying axes ending at the innermost axis
        while (start - 1 >= lead && varies[start - 1]) start--;
        if (start == 0 || allOnes(loop, 0, start)) return Lanes.CONTIGUOUS;
        return dividesIntoVectors(SizeExpr.of(loop, start, last + 1)) ? Lanes.CONTIGUOUS : Lanes.GATHER;
    }

    /**
     * The axes [from, to) of x that a reduction to {@code reducedShape} (same rank, reduced axes 1)
     * keeps, when they are one contiguous block (axes of size 1 may fall on either side); null when
     * kept axes are separated by a reduced one.
     */
    public static int[] keptBlock(Shape x, Shape reducedShape) {
        int first = -1, last = -1;
        for (int k = 0; k < x.rank(); k++) {
            if (x.dim(k).isOne()) continue;
            if (reducedShape.dim(k).equals(x.dim(k))) {
                if (first < 0) first = k;
                last = k;
            }
        }
        if (first < 0) return new int[] {0, 0};
        for (int k = first; k <= last; k++)
            if (!x.dim(k).isOne() && !reducedShape.dim(k).equals(x.dim(k))) return null;
        return new int[] {first, last + 1};
    }

    private static boolean[] varying(Shape from, Shape loop) {
        int lead = loop.rank() - from.rank();
        boolean[] varies = new boolean[loop.rank()];
        for (int k = 0; k < loop.rank(); k++)
            varies[k] = k >= lead && !from.dim(k - lead).isOne() && !loop.dim(k).isOne();
        return varies;
    }

    private static boolean dividesIntoVectors(SizeExpr run) {
        return run.isKnown() && run.known() % Lanes.MULTIPLE == 0;
    }

    private static boolean allOnes(Shape s, int from, int to) {
        for (int k = from; k < to; k++) if (!s.dim(k).isOne()) return false;
        return true;
    }

}
