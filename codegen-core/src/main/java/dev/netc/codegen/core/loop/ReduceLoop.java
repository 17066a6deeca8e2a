package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.add;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.size;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The pieces of every sum, mean and max loop (one parallel iteration {@code o} per output, a serial
 * loop over the reduced elements in row-major order), shared by the plain lowering and the fused
 * {@link ReductionKernel}, so both add the same terms in the same order.
 *
 * @param fn           sum, mean or max
 * @param x            the operand's shape
 * @param reducedShape x with the reduced axes set to 1
 * @param kept         the axes of x that are kept (size-1 axes aside)
 * @param reduced      the axes of x that are reduced
 */
record ReduceLoop(ReduceFn fn, Shape x, Shape reducedShape, List<Integer> kept, List<Integer> reduced) {

    static ReduceLoop of(ReduceFn fn, Shape x, Shape reducedShape) {
        List<Integer> kept = new ArrayList<>(), reduced = new ArrayList<>();
        for (int a = 0; a < x.rank(); a++) {
            if (x.dim(a).isOne()) continue;
            (x.dim(a).equals(reducedShape.dim(a)) ? kept : reduced).add(a);
        }
        return new ReduceLoop(fn, x, reducedShape, List.copyOf(kept), List.copyOf(reduced));
    }

    /** How many elements each output reduces. */
    SizeExpr reducedCount() { return OpLowering.product(x, reduced); }

    /** The flat index in x of reduced element {@code r} of output {@code o}. */
    Expr elementIndex(String o, String r) {
        return add(OpLowering.decompose(x, kept, var(o)), OpLowering.decompose(x, reduced, var(r)));
    }

    /** {@code float acc = <identity>}. */
    Stmt init() { return new Stmt.Let("acc", Type.FLOAT, f(fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY : 0)); }

    /** acc = acc + element, or max(acc, element). */
    Stmt combine(Expr element) {
        return fn == ReduceFn.MAX
                ? new Stmt.Assign("acc", new Expr.Binary(BinaryFn.MAX, var("acc"), element, true))
                : new Stmt.Assign("acc", op(var("acc"), "+", element));
    }

    /** The loop over output {@code o}'s reduced elements, {@code var} the element, the body ending in {@link #combine}. */
    Stmt.Reduce loop(String var, List<Stmt> body) { return new Stmt.Reduce("acc", fn, var, size(reducedCount()), body); }

    /** The output's value from acc (a mean divides by the count). */
    Expr result() {
        return fn == ReduceFn.MEAN
                ? op(var("acc"), "*", op(f(1), "/", new Expr.Cast(Type.FLOAT, size(reducedCount())))) : var("acc");
    }
}
