package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.size;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.Kernel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        Shape y = head.type().shape();
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
        ReduceLoop loop = ReduceLoop.of(fn, x, reducedShape);
        SizeExpr reducedCount = loop.reducedCount();

        // the prologue: a softmax row first (written to its buffer), then the elementwise nodes
        List<Integer> rowOps = k.prologue().stream().filter(id -> !BufferRole.inlinesOperands(g.node(id))).toList();
        List<Integer> prologue = k.prologue().stream().filter(id -> BufferRole.inlinesOperands(g.node(id))).toList();
        // the epilogue: nodes of the output's shape run once per output, nodes of the operand's shape
        // in a second pass over the reduced elements (reading the result broadcast along them)
        List<Integer> epilogue = k.nodes().subList(1, k.nodes().size());
        List<Integer> perOutput = epilogue.stream().filter(id -> !g.node(id).type().shape().equals(x)).toList();
        List<Integer> secondPass = epilogue.stream().filter(id -> g.node(id).type().shape().equals(x)).toList();

        List<Stmt> perOutputBody = new ArrayList<>();
        OpLowering rows = new OpLowering(g, buffers);
        for (int row : rowOps) {
            perOutputBody.add(new Stmt.Let("row", Type.INT, var("o")));
            perOutputBody.addAll(rows.row(g.node(row), buffers.apply(row)));
        }
        String in = Elementwise.INDEX;
        List<Stmt> perElement = new ArrayList<>();
        perElement.add(new Stmt.Let(in, Type.INT, loop.elementIndex("o", "r")));
        Expr element;
        if (prologue.isEmpty()) {
            element = OpLowering.load(buffers.apply(head.input(0)), var(in));
        } else {
            perElement.addAll(elementwise.element(readBy(g, prologue, k.recomputed()), prologue, null, null, x, null));
            element = var(Elementwise.local(head.input(0)));
        }
        perElement.add(loop.combine(element));
        Expr result = loop.result();

        perOutputBody.add(loop.init());
        perOutputBody.add(loop.loop("r", perElement));
        Buf outputRoot = secondPass.isEmpty() ? buffers.apply(k.root()) : null;
        // the output's flat index is the loop variable o itself
        perOutputBody.addAll(elementwise.element(readBy(g, perOutput, k.recomputed()), Set.of(), "o", perOutput, head, result, y, outputRoot));
        if (materialized[head.id()] && head.id() != k.root() && (!perOutput.isEmpty() || !secondPass.isEmpty()))
            perOutputBody.add(new Stmt.Store(buffers.apply(head.id()), var("o"), var(Elementwise.local(head.id())), false));
        if (!secondPass.isEmpty()) {
            // the prologue's values again (no stores: the first pass stored what others read)
            Elementwise again = new Elementwise(g, new boolean[g.size()], buffers);
            List<Stmt> pass = new ArrayList<>();
            pass.add(new Stmt.Let(in, Type.INT, loop.elementIndex("o", "r2")));
            Set<Integer> inScope = new HashSet<>(perOutput);
            inScope.add(head.id());
            List<Integer> prologueAgain = readBy(g, secondPass, prologue);
            List<Integer> recomputedAgain = readBy(g, secondPass, k.recomputed());
            if (!prologueAgain.isEmpty()) {
                recomputedAgain = readBy(g, union(secondPass, prologueAgain), k.recomputed());
                pass.addAll(again.element(readBy(g, prologueAgain, k.recomputed()), prologueAgain, null, null, x, null));
                inScope.addAll(prologueAgain);
                inScope.addAll(readBy(g, prologueAgain, k.recomputed()));
            }
            pass.addAll(elementwise.element(recomputedAgain, inScope, in, secondPass, null, null, x, buffers.apply(k.root())));
            perOutputBody.add(Stmt.serial("r2", size(reducedCount), pass));
        }
        return List.of(Stmt.parallel("o", OpLowering.count(reducedShape), perOutputBody));
    }

    /**
     * The candidates that {@code readers} read, directly or through other candidates, in the
     * candidates' order: a pass declares only the locals it uses (NVRTC warns about the others).
     */
    private static List<Integer> readBy(Graph g, List<Integer> readers, List<Integer> candidates) {
        Set<Integer> wanted = new HashSet<>();
        java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>(readers);
        while (!todo.isEmpty())
            for (int in : g.node(todo.pop()).inputs())
                if (candidates.contains(in) && wanted.add(in)) todo.push(in);
        return candidates.stream().filter(wanted::contains).toList();
    }

    private static List<Integer> union(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
