package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.add;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.i;
import static dev.netc.codegen.core.loop.Expr.mul;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.List;
import java.util.function.IntFunction;

/**
 * max_pool_grad_indexed as an expression of the cell it is read at: dy of the cell's window where the
 * window's argmax names the cell, else 0. The windows tile the input (stride = size, no padding), so
 * each cell has one window. Its standalone lowering is one loop of it; a reduction reading the
 * gradient without its buffer (the bias gradient of a pooled convolution on CUDA) loads through it.
 */
public final class PoolExpansion {
    private PoolExpansion() {}

    /** The expanded value at flat cell index {@code cell} of x [N, C, H, W]. */
    public static Expr at(Shape x, int size, Buf argmax, Buf dy, Expr cell) {
        int h = x.size(2), w = x.size(3), oh = h / size, ow = w / size;
        Expr plane = op(cell, "/", i((long) h * w));
        Expr iy = op(op(cell, "/", i(w)), "%", i(h));
        Expr ix = op(cell, "%", i(w));
        Expr window = add(mul(add(mul(plane, i(oh)), op(iy, "/", i(size))), i(ow)), op(ix, "/", i(size)));
        Expr position = add(mul(op(iy, "%", i(size)), i(size)), op(ix, "%", i(size)));
        return new Expr.Select(op(new Expr.Load(argmax, window, Lanes.GATHER), "==", position), new Expr.Load(dy, window, Lanes.GATHER), f(0));
    }

    /**
     * A sum_to (the bias gradient, PoolFusion admits no other sibling) of the expanded gradient {@code grad}, loading through the expansion
     * instead of a buffer; the terms in the order of the plain reduction over the stored gradient.
     */
    public static List<Stmt> sumOfExpanded(Node sum, Node grad, IntFunction<Buf> buffers, Buf out) {
        Shape x = grad.type().shape();
        if (!(sum.op() instanceof Op.SumTo sumTo)) throw new IllegalStateException(sum.label() + " is no sum_to of an expanded pooling gradient");
        Shape reduced = sumTo.target().padToRank(x.rank());
        int size = ((Op.MaxPoolGradIndexed) grad.op()).size();
        Buf argmax = buffers.apply(grad.input(0)), dy = buffers.apply(grad.input(1));
        ReduceLoop loop = ReduceLoop.of(ReduceFn.SUM, x, reduced);
        return List.of(Stmt.parallel("o", OpLowering.count(reduced), List.of(loop.init(),
                loop.loop("r", List.of(loop.combine(at(x, size, argmax, dy, loop.elementIndex("o", "r"))))),
                new Stmt.Store(out, var("o"), loop.result(), false))));
    }

    /** out = the expansion, one parallel iteration per cell. */
    static List<Stmt> lower(Shape x, int size, Buf argmax, Buf dy, Buf out) {
        return List.of(Stmt.parallel("i", OpLowering.count(x), List.of(new Stmt.Store(out, var("i"), at(x, size, argmax, dy, var("i")), false))));
    }
}
