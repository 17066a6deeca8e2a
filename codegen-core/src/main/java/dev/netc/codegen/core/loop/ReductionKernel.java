package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.add;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.size;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A reduction (sum, mean or max) with the elementwise nodes fused around it: its prologue is
 * evaluated for each element the reduction reads, inside the serial loop over the reduced elements
 * (so {@code sum(one_hot(y) * log_p)} never writes the product), and its epilogue once per output,
 * on the accumulator ({@code neg(sum(...))}). One parallel iteration per output; the reduced elements
 * in row-major order, as in the unfused lowering, so both add the same terms in the same order.
 */
public final class ReductionKernel {
    private ReductionKernel() {}

    /** True when kernel k is a plain reduction with something fused around it (else the plain lowering serves). */
    public static boolean applies(Graph g, Kernel k) {
        Node head = g.node(k.head());
        boolean plain = head.op() instanceof Op.Reduce || head.op() instanceof Op.SumTo;
        return plain && (!k.prologue().isEmpty() || k.nodes().size() > 1 || !k.recomputed().isEmpty());
    }

    /**
     * The statements of kernel k.
     *
     * @param materialized which values another kernel reads (stored where they are computed)
     * @param buffers      the buffer of a node id
     */
    public static List<Stmt> lower(Graph g, Kernel k, boolean[] materialized, IntFunction<Buf> buffers) {
        Elementwise elementwise = new Elementwise(g, materialized, buffers);
        Node head = g.node(k.head());
        Shape x = g.node(head.input(0)).type().shape();
        ReduceFn fn;
        Shape reducedShape;
        if (head.op() instanceof Op.Reduce r) {
            fn = r.fn();
            reducedShape = x.withUnitAxes(r.axes());
        } else if (head.op() instanceof Op.SumTo s) {
            fn = ReduceFn.SUM;
            reducedShape = s.target().padToRank(x.rank());
        } else {
            throw new IllegalStateException(head.label() + " is not a sum, mean or max");
        }
        List<Integer> kept = new ArrayList<>(), reduced = new ArrayList<>();
        for (int a = 0; a < x.rank(); a++) {
            if (x.dim(a).isOne()) continue;
            (x.dim(a).equals(reducedShape.dim(a)) ? kept : reduced).add(a);
        }
        SizeExpr reducedCount = OpLowering.product(x, reduced);

        // per element read: its flat index, the prologue, the combine
        String in = Elementwise.INDEX;
        List<Stmt> perElement = new ArrayList<>();
        perElement.add(new Stmt.Let(in, Type.INT, add(OpLowering.decompose(x, kept, var("o")), OpLowering.decompose(x, reduced, var("r")))));
        Expr element;
        if (k.prologue().isEmpty()) {
            element = OpLowering.load(buffers.apply(head.input(0)), var(in));
        } else {
            perElement.addAll(elementwise.element(k.recomputed(), k.prologue(), null, null, x, null));
            element = var(Elementwise.local(head.input(0)));
        }
        perElement.add(fn == ReduceFn.MAX
                ? new Stmt.Assign("acc", new Expr.Binary(BinaryFn.MAX, var("acc"), element, true))
                : new Stmt.Assign("acc", op(var("acc"), "+", element)));
        Expr result = fn == ReduceFn.MEAN
                ? op(var("acc"), "*", op(f(1), "/", new Expr.Cast(Type.FLOAT, size(reducedCount)))) : var("acc");

        // per output: the epilogue on the accumulator, at the output's flat index
        List<Integer> epilogue = k.nodes().subList(1, k.nodes().size());
        List<Stmt> perOutput = new ArrayList<>();
        perOutput.add(new Stmt.Let("acc", Type.FLOAT, f(fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY : 0)));
        perOutput.add(Stmt.serial("r", size(reducedCount), perElement));
        perOutput.add(new Stmt.Let(in, Type.INT, var("o")));
        List<Stmt> tail = elementwise.element(k.recomputed(), epilogue, head, result, head.type().shape(), buffers.apply(k.root()));
        perOutput.addAll(tail);
        if (!epilogue.isEmpty() && materialized[head.id()])
            perOutput.add(new Stmt.Store(buffers.apply(head.id()), var(in), var(Elementwise.local(head.id())), false));
        return List.of(Stmt.parallel("o", OpLowering.count(reducedShape), perOutput));
    }
}
