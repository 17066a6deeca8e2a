package dev.netc.codegen.core;

import dev.netc.ir.Dim;
import dev.netc.ir.Shape;

/**
 * An element count known up to the batch size: {@code known * batch^batchPower}. Every symbolic
 * dimension is the batch, so this is all generated code needs to size and index buffers.
 */
public record SizeExpr(long known, int batchPower) {

    public static final SizeExpr ONE = new SizeExpr(1, 0);

    /** The name of the batch variable in generated code. */
    public static final String BATCH = "batch";

    public static SizeExpr of(Dim d) {
        return switch (d) {
            case Dim.Known k -> new SizeExpr(k.size(), 0);
            case Dim.Sym s -> new SizeExpr(1, 1);
        };
    }

    /** Product of the dimensions [from, to) of a shape. */
    public static SizeExpr of(Shape s, int from, int to) {
        SizeExpr r = ONE;
        for (int i = from; i < to; i++) r = r.times(of(s.dim(i)));
        return r;
    }

    public static SizeExpr count(Shape s) { return of(s, 0, s.rank()); }

    public SizeExpr times(SizeExpr o) { return new SizeExpr(known * o.known, batchPower + o.batchPower); }

    public boolean isOne() { return known == 1 && batchPower == 0; }

    public boolean isKnown() { return batchPower == 0; }

    /** A Java int expression, e.g. {@code batch * 784}. */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < batchPower; i++) sb.append(sb.isEmpty() ? "" : " * ").append(BATCH);
        if (known != 1 || batchPower == 0) {
            if (known > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + known + " elements");
            sb.append(sb.isEmpty() ? "" : " * ").append(known);
        }
        return sb.toString();
    }

    /** The expression in parentheses when it is a product, for use as a divisor. */
    public String factor() { return batchPower + (known != 1 ? 1 : 0) > 1 ? "(" + this + ")" : toString(); }
}
