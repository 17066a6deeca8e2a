package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.Dialect;
import static dev.netc.codegen.core.loop.Expr.add;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.i;
import static dev.netc.codegen.core.loop.Expr.mul;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.size;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Gather;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The one lowering of every non-elementwise op that has no library kernel: reductions, softmax rows,
 * layout ops, average pooling, the indexed max-pool gradient. Each op writes its whole result to {@code out} from a parallel loop
 * over independent outputs; every sum runs in a fixed order, so both backends add the same terms in
 * the same order.
 */
public final class OpLowering {
    private final Graph graph;
    private final IntFunction<Buf> buffers;

    public OpLowering(Graph graph, IntFunction<Buf> buffers) {
        this.graph = graph;
        this.buffers = buffers;
    }

    /**
     * The statements computing node {@code n} into {@code out}, or empty when the op is a
     * {@link Op.LibraryKernel} each backend runs from its own kernel library.
     */
    public Optional<List<Stmt>> lower(Node n, Buf out) {
        Shape y = n.type().shape();
        return switch (n.op()) {
            case Op.Reduction r -> switch (r) {
                case Op.MaxPool p -> Optional.empty();
                case Op.MaxPoolArgmax p -> Optional.empty();
                case Op.Reduce red -> Optional.of(reduce(red.fn(), shape(n, 0), shape(n, 0).withUnitAxes(red.axes()), in(n, 0), out));
                case Op.SumTo s -> Optional.of(reduce(ReduceFn.SUM, shape(n, 0), s.target().padToRank(shape(n, 0).rank()), in(n, 0), out));
                case Op.Softmax s -> Optional.of(alongAxis(AxisOp.SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out));
                case Op.LogSoftmax s -> Optional.of(alongAxis(AxisOp.LOG_SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out));
                case Op.Argmax a -> Optional.of(alongAxis(AxisOp.ARGMAX, shape(n, 0), a.axis(), in(n, 0), out));
                case Op.AvgPool p -> Optional.of(avgPool(shape(n, 0), y, p.size(), p.stride(), p.padding(), in(n, 0), out));
                case Op.LayerNorm l -> Optional.of(layerNorm(y, l.epsilon(), in(n, 0), null, out));
                case Op.LayerNormGrad l -> Optional.of(layerNorm(y, l.epsilon(), in(n, 0), in(n, 1), out));
                case Gather.Grad g -> Optional.of(GatherLowering.gatherGrad(shape(n, 0), y, in(n, 0), in(n, 1), out));
            };
            case Op.Anchor a -> switch (a) {
                case Op.MatMul m -> Optional.empty();
                case Op.Conv2d c -> Optional.empty();
                case Op.Conv2dBackwardData c -> Optional.empty();
                case Op.Conv2dBackwardFilter c -> Optional.empty();
                case Op.MaxPoolGrad p -> Optional.empty();
                case Op.MaxPoolGradIndexed p -> Optional.of(PoolExpansion.lower(y, p.size(), in(n, 0), in(n, 1), out));
                case Op.AvgPoolGrad p -> Optional.of(avgPoolGrad(y, p.size(), p.stride(), p.padding(), shape(n, 0), in(n, 0), out));
            };
            case Op.Layout l -> switch (l) {
                case Op.Reshape r -> throw new IllegalStateException(n.label() + ": a reshape aliases its operand; it has no code");
                case Op.Transpose t -> Optional.of(List.of(Stmt.parallel("i", count(y), List.of(new Stmt.Store(out, var("i"),
                        load(in(n, 0), Indexing.transpose(shape(n, 0), y, t.permutation(), var("i"))), false)))));
                case Op.OneHot oh -> throw new IllegalStateException(n.label() + ": one-hot is evaluated per element (Elementwise)");
                case Op.Concat c -> Optional.of(concat(n, c.axis(), out));
                case Op.Slice s -> Optional.of(slice(shape(n, 0), y, s.axis(), s.start(), in(n, 0), out));
                case Gather g -> Optional.of(GatherLowering.gather(shape(n, 0), y, in(n, 0), in(n, 1), out));
            };
            case Op.Leaf leaf -> throw new IllegalStateException(n.label() + " is a leaf, not a kernel");
            case Op.Elementwise e -> throw new IllegalStateException(n.label() + " is elementwise and belongs in an element loop");
        };
    }

    /**
     * out = fn over the axes of x whose size in {@code reducedShape} is 1 (same rank as x): one
     * parallel iteration per output, the reduced elements in row-major order.
     */
    static List<Stmt> reduce(ReduceFn fn, Shape x, Shape reducedShape, Buf in, Buf out) {
        ReduceLoop loop = ReduceLoop.of(fn, x, reducedShape);
        return List.of(Stmt.parallel("o", count(reducedShape), List.of(loop.init(),
                loop.loop("r", List.of(loop.combine(load(in, loop.elementIndex("o", "r"))))),
                new Stmt.Store(out, var("o"), loop.result(), false))));
    }

    private enum AxisOp { SOFTMAX, LOG_SOFTMAX, ARGMAX }

    /**
     * The statements of one row (the int variable {@code row}) of a softmax or log-softmax along the
     * last axis, for a kernel that runs them first in each of its own parallel iterations.
     */
    public List<Stmt> row(Node n, Buf out) {
        return switch (n.op()) {
            case Op.Softmax s -> rowBody(AxisOp.SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out);
            case Op.LogSoftmax s -> rowBody(AxisOp.LOG_SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out);
            default -> throw new IllegalStateException(n.label() + " is not a softmax row");
        };
    }

    /** Softmax, log-softmax or argmax along one axis, one parallel iteration per row, max subtracted first. */
    private static List<Stmt> alongAxis(AxisOp kind, Shape x, int axis, Buf in, Buf out) {
        SizeExpr rows = SizeExpr.of(x, 0, axis).times(SizeExpr.of(x, axis + 1, x.rank()));
        return List.of(Stmt.parallel("row", size(rows), rowBody(kind, x, axis, in, out)));
    }

    private static List<Stmt> rowBody(AxisOp kind, Shape x, int axis, Buf in, Buf out) {
        SizeExpr inner = SizeExpr.of(x, axis + 1, x.rank()), len = SizeExpr.of(x.dim(axis));
        Expr base = inner.isOne() ? mul(var("row"), size(len))
                : add(mul(mul(op(var("row"), "/", size(inner)), size(len)), size(inner)), op(var("row"), "%", size(inner)));
        Expr at = add(var("base"), mul(var("k"), size(inner)));
        List<Stmt> body = new ArrayList<>();
        body.add(new Stmt.Let("base", Type.INT, base));
        switch (kind) {
            case ARGMAX -> {
                body.add(new Stmt.Let("best", Type.INT, i(0)));
                body.add(new Stmt.Let("max", Type.FLOAT, load(in, var("base"))));
                body.add(Stmt.serial("k", size(len), List.of(new Stmt.If(op(load(in, at), ">", var("max")),
                        List.of(new Stmt.Assign("max", load(in, at)), new Stmt.Assign("best", var("k"))), List.of()))));
                Expr outIndex = inner.isOne() ? var("row") : var("row");
                body.add(new Stmt.Store(out, outIndex, var("best"), false));
            }
            case SOFTMAX, LOG_SOFTMAX -> {
                body.add(new Stmt.Let("max", Type.FLOAT, f(Double.NEGATIVE_INFINITY)));
                body.add(Stmt.serial("k", size(len), List.of(
                        new Stmt.Assign("max", new Expr.Binary(BinaryFn.MAX, var("max"), load(in, at), true)))));
                body.add(new Stmt.Let("sum", Type.FLOAT, f(0)));
                Expr e = new Expr.Call(Dialect.Fn.EXP, op(load(in, at), "-", var("max")), Type.FLOAT);
                if (kind == AxisOp.SOFTMAX) {
                    body.add(Stmt.serial("k", size(len), List.of(new Stmt.Let("e", Type.FLOAT, e),
                            new Stmt.Store(out, at, var("e"), false), new Stmt.Assign("sum", op(var("sum"), "+", var("e"))))));
                    body.add(new Stmt.Let("inv", Type.FLOAT, op(f(1), "/", var("sum"))));
                    body.add(Stmt.serial("k", size(len), List.of(new Stmt.Store(out, at, op(load(out, at), "*", var("inv")), false))));
                } else {
                    body.add(Stmt.serial("k", size(len), List.of(new Stmt.Assign("sum", op(var("sum"), "+", e)))));
                    body.add(new Stmt.Let("lse", Type.FLOAT, op(var("max"), "+",
                            new Expr.Call(Dialect.Fn.LOG, var("sum"), Type.FLOAT))));
                    body.add(Stmt.serial("k", size(len), List.of(new Stmt.Store(out, at, op(load(in, at), "-", var("lse")), false))));
                }
            }
        }
        return body;
    }

    /**
     * Layer normalisation along the last axis, one parallel iteration per row: the mean and the
     * biased variance in two passes (fixed order), then xhat = (x - mean) rstd. Forward (dy null)
     * writes xhat; backward writes rstd (dy - mean(dy) - xhat mean(dy xhat)).
     */
    private static List<Stmt> layerNorm(Shape x, double epsilon, Buf in, Buf dy, Buf out) {
        int d = x.size(x.rank() - 1);
        Expr at = add(var("base"), var("k"));
        Expr xhat = op(op(load(in, at), "-", var("mean")), "*", var("rstd"));
        Expr width = new Expr.Cast(Type.FLOAT, i(d));
        List<Stmt> body = new ArrayList<>();
        body.add(new Stmt.Let("base", Type.INT, mul(var("row"), i(d))));
        body.add(new Stmt.Let("mean", Type.FLOAT, f(0)));
        body.add(Stmt.serial("k", i(d), List.of(new Stmt.Assign("mean", op(var("mean"), "+", load(in, at))))));
        body.add(new Stmt.Assign("mean", op(var("mean"), "/", width)));
        body.add(new Stmt.Let("var", Type.FLOAT, f(0)));
        body.add(Stmt.serial("k", i(d), List.of(new Stmt.Let("e", Type.FLOAT, op(load(in, at), "-", var("mean"))),
                new Stmt.Assign("var", op(var("var"), "+", op(var("e"), "*", var("e")))))));
        body.add(new Stmt.Let("rstd", Type.FLOAT, op(f(1), "/", new Expr.Call(Dialect.Fn.SQRT,
                op(op(var("var"), "/", width), "+", f(epsilon)), Type.FLOAT))));
        if (dy == null) {
            body.add(Stmt.serial("k", i(d), List.of(new Stmt.Store(out, at, xhat, false))));
        } else {
            body.add(new Stmt.Let("dsum", Type.FLOAT, f(0)));
            body.add(new Stmt.Let("dxsum", Type.FLOAT, f(0)));
            body.add(Stmt.serial("k", i(d), List.of(new Stmt.Let("xhat", Type.FLOAT, xhat),
                    new Stmt.Assign("dsum", op(var("dsum"), "+", load(dy, at))),
                    new Stmt.Assign("dxsum", op(var("dxsum"), "+", op(load(dy, at), "*", var("xhat")))))));
            body.add(Stmt.serial("k", i(d), List.of(new Stmt.Let("xhat", Type.FLOAT, xhat),
                    new Stmt.Store(out, at, op(var("rstd"), "*", op(op(load(dy, at), "-", op(var("dsum"), "/", width)), "-",
                            op(var("xhat"), "*", op(var("dxsum"), "/", width)))), false))));
        }
        return List.of(Stmt.parallel("row", size(SizeExpr.count(x.drop(x.rank() - 1))), body));
    }

    /** One parallel iteration per output element; the coordinate along the axis picks the operand. */
    private List<Stmt> concat(Node n, int axis, Buf out) {
        Shape y = n.type().shape();
        SizeExpr inner = SizeExpr.of(y, axis + 1, y.rank());
        int total = y.size(axis);
        List<Stmt> body = new ArrayList<>(coordinates(total, inner));
        List<Stmt> chain = List.of();
        int[] offsets = new int[n.inputs().size() + 1];
        for (int k = 0; k < n.inputs().size(); k++) offsets[k + 1] = offsets[k] + shape(n, k).size(axis);
        for (int k = n.inputs().size() - 1; k >= 0; k--) {
            int len = shape(n, k).size(axis);
            Expr index = add(mul(add(mul(var("o"), i(len)), op(var("a"), "-", i(offsets[k]))), size(inner)), var("r"));
            List<Stmt> read = List.of(new Stmt.Store(out, var("i"), load(in(n, k), index), false));
            chain = k == n.inputs().size() - 1 ? read : List.of(new Stmt.If(op(var("a"), "<", i(offsets[k + 1])), read, chain));
        }
        body.addAll(chain);
        return List.of(Stmt.parallel("i", count(y), body));
    }

    /** out [outer, len, inner] = x [outer, start : start + len, inner]. */
    private static List<Stmt> slice(Shape x, Shape y, int axis, int start, Buf in, Buf out) {
        SizeExpr inner = SizeExpr.of(y, axis + 1, y.rank());
        List<Stmt> body = new ArrayList<>(coordinates(y.size(axis), inner));
        Expr index = add(mul(add(mul(var("o"), i(x.size(axis))), add(i(start), var("a"))), size(inner)), var("r"));
        body.add(new Stmt.Store(out, var("i"), load(in, index), false));
        return List.of(Stmt.parallel("i", count(y), body));
    }

    /** o, a, r: the coordinates of element i of a tensor viewed as [outer, len, inner]. */
    private static List<Stmt> coordinates(int len, SizeExpr inner) {
        return List.of(new Stmt.Let("o", Type.INT, op(var("i"), "/", mul(i(len), size(inner)))),
                new Stmt.Let("a", Type.INT, op(inner.isOne() ? var("i") : op(var("i"), "/", size(inner)), "%", i(len))),
                new Stmt.Let("r", Type.INT, inner.isOne() ? i(0) : op(var("i"), "%", size(inner))));
    }

    /** y = mean over the in-bounds cells of each window (padding excluded). */
    private static List<Stmt> avgPool(Shape x, Shape y, int size, int stride, Padding pad, Buf in, Buf out) {
        int h = x.size(2), w = x.size(3), oh = y.size(2), ow = y.size(3);
        List<Stmt> body = new ArrayList<>();
        body.add(new Stmt.Let("plane", Type.INT, op(var("i"), "/", i((long) oh * ow))));
        body.add(new Stmt.Let("oy", Type.INT, op(op(var("i"), "/", i(ow)), "%", i(oh))));
        body.add(new Stmt.Let("ox", Type.INT, op(var("i"), "%", i(ow))));
        body.addAll(window(h, w, size, stride, pad));
        body.add(new Stmt.Let("acc", Type.FLOAT, f(0)));
        body.add(rows("iy", "ylo", "yhi", List.of(rows("ix", "xlo", "xhi", List.of(new Stmt.Assign("acc", op(var("acc"), "+",
                load(in, add(mul(add(mul(var("plane"), i(h)), var("iy")), i(w)), var("ix"))))))))));
        body.add(new Stmt.Store(out, var("i"), op(var("acc"), "*", var("inv")), false));
        return List.of(Stmt.parallel("i", count(y), body));
    }

    /** dx[cell] = sum over the windows covering the cell (in window order) of dy / (in-bounds cells of the window). */
    private static List<Stmt> avgPoolGrad(Shape x, int size, int s, Padding pad, Shape dy, Buf dyIn, Buf out) {
        int h = x.size(2), w = x.size(3), oh = dy.size(2), ow = dy.size(3), pt = pad.top(), pl = pad.left();
        List<Stmt> body = new ArrayList<>();
        body.add(new Stmt.Let("plane", Type.INT, op(var("i"), "/", i((long) h * w))));
        body.add(new Stmt.Let("iy", Type.INT, op(op(var("i"), "/", i(w)), "%", i(h))));
        body.add(new Stmt.Let("ix", Type.INT, op(var("i"), "%", i(w))));
        // the windows covering (iy, ix): oy in [oy0, oy1), ox in [ox0, ox1)
        body.add(new Stmt.Let("ylo0", Type.INT, op(var("iy"), "+", i(pt - size + 1))));
        body.add(new Stmt.Let("xlo0", Type.INT, op(var("ix"), "+", i(pl - size + 1))));
        body.add(new Stmt.Let("oy0", Type.INT, new Expr.Select(op(var("ylo0"), "<=", i(0)), i(0), op(op(var("ylo0"), "+", i(s - 1)), "/", i(s)))));
        body.add(new Stmt.Let("oy1", Type.INT, op(new Expr.Binary(BinaryFn.MIN, i(oh - 1), op(op(var("iy"), "+", i(pt)), "/", i(s)), false), "+", i(1))));
        body.add(new Stmt.Let("ox0", Type.INT, new Expr.Select(op(var("xlo0"), "<=", i(0)), i(0), op(op(var("xlo0"), "+", i(s - 1)), "/", i(s)))));
        body.add(new Stmt.Let("ox1", Type.INT, op(new Expr.Binary(BinaryFn.MIN, i(ow - 1), op(op(var("ix"), "+", i(pl)), "/", i(s)), false), "+", i(1))));
        body.add(new Stmt.Let("g", Type.FLOAT, f(0)));
        List<Stmt> inner = new ArrayList<>(window(h, w, size, s, pad));
        inner.add(new Stmt.Assign("g", op(var("g"), "+", op(load(dyIn, add(mul(add(mul(var("plane"), i(oh)), var("oy")), i(ow)), var("ox"))), "*", var("inv")))));
        body.add(rows("oy", "oy0", "oy1", List.of(rows("ox", "ox0", "ox1", inner))));
        body.add(new Stmt.Store(out, var("i"), var("g"), false));
        return List.of(Stmt.parallel("i", count(x), body));
    }

    /** The in-bounds rows [ylo, yhi) and columns [xlo, xhi) of window (oy, ox), and inv = 1 / their count. */
    private static List<Stmt> window(int h, int w, int size, int stride, Padding pad) {
        return List.of(
                new Stmt.Let("y0", Type.INT, op(mul(var("oy"), i(stride)), "-", i(pad.top()))),
                new Stmt.Let("ylo", Type.INT, new Expr.Binary(BinaryFn.MAX, var("y0"), i(0), false)),
                new Stmt.Let("yhi", Type.INT, new Expr.Binary(BinaryFn.MIN, op(var("y0"), "+", i(size)), i(h), false)),
                new Stmt.Let("x0", Type.INT, op(mul(var("ox"), i(stride)), "-", i(pad.left()))),
                new Stmt.Let("xlo", Type.INT, new Expr.Binary(BinaryFn.MAX, var("x0"), i(0), false)),
                new Stmt.Let("xhi", Type.INT, new Expr.Binary(BinaryFn.MIN, op(var("x0"), "+", i(size)), i(w), false)),
                new Stmt.Let("inv", Type.FLOAT, op(f(1), "/", new Expr.Cast(Type.FLOAT,
                        op(op(var("yhi"), "-", var("ylo")), "*", op(var("xhi"), "-", var("xlo")))))));
    }

    /** for (v = lo; v < hi; v++). */
    private static Stmt rows(String v, String lo, String hi, List<Stmt> body) { return Stmt.range(v, var(lo), var(hi), body); }

    /** Sum over the given axes of x of coordinate * stride, the coordinates being those of linear index var. */
    static Expr decompose(Shape x, List<Integer> axes, Expr index) {
        Expr sum = i(0);
        for (int j = 0; j < axes.size(); j++) {
            int a = axes.get(j);
            SizeExpr within = product(x, axes.subList(j + 1, axes.size()));
            Expr t = within.isOne() ? index : op(index, "/", size(within));
            if (j > 0) t = op(t, "%", size(SizeExpr.of(x.dim(a))));
            sum = add(sum, mul(t, size(SizeExpr.of(x, a + 1, x.rank()))));
        }
        return sum;
    }

    static SizeExpr product(Shape x, List<Integer> axes) {
        SizeExpr p = SizeExpr.ONE;
        for (int a : axes) p = p.times(SizeExpr.of(x.dim(a)));
        return p;
    }

    static Expr count(Shape s) { return size(SizeExpr.count(s)); }

    static Expr load(Buf b, Expr index) { return new Expr.Load(b, index, Lanes.GATHER); }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private Buf in(Node n, int operand) {
        Buf b = buffers.apply(n.input(operand));
        if (b == null) throw new IllegalStateException(graph.node(n.input(operand)).label() + " is read by " + n.label() + " but has no buffer");
        return b;
    }

}
