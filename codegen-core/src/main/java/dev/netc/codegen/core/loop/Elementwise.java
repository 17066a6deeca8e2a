package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Lowers a chain of elementwise nodes to the statements of one element at loop index {@code i}: one
 * local {@code v<id>} per node, stored where another kernel or the caller reads it. The same
 * statements serve a standalone loop and an anchor's epilogue (a GEMM accumulator in registers).
 */
public final class Elementwise {
    /** The loop index every elementwise body uses. */
    public static final String INDEX = "i";

    private final Graph graph;
    private final boolean[] materialized;
    private final IntFunction<Buf> buffers;

    /**
     * @param materialized which values some other kernel (or the caller) reads, by node id
     * @param buffers      the buffer of a node id, or null when the value has none
     */
    public Elementwise(Graph graph, boolean[] materialized, IntFunction<Buf> buffers) {
        this.graph = graph;
        this.materialized = materialized;
        this.buffers = buffers;
    }

    /** The local holding node {@code id}'s value inside an element body. */
    public static String local(int id) { return "v" + id; }

    /**
     * The statements for one element of a loop over {@code loop}. {@code headValue}, when not null, is
     * the already computed value of node {@code head}; the root (last node, or the head when there
     * are none) is stored to {@code rootBuf}.
     */
    public List<Stmt> element(List<Integer> nodes, Node head, Expr headValue, Shape loop, Buf rootBuf) {
        return element(List.of(), nodes, head, headValue, loop, rootBuf);
    }

    /**
     * As {@link #element(List, Node, Expr, Shape, Buf)}, first evaluating {@code recomputed} (values
     * another kernel owns, evaluated here from their operands and never stored here). A null
     * {@code rootBuf} leaves the root in its local (a reduction's prologue accumulates it).
     */
    public List<Stmt> element(List<Integer> recomputed, List<Integer> nodes, Node head, Expr headValue, Shape loop, Buf rootBuf) {
        return element(recomputed, Set.of(), INDEX, nodes, head, headValue, loop, rootBuf);
    }

    /**
     * The general form: {@code inScope} are nodes whose locals the enclosing statements already
     * declared (read as locals, broadcast or not), and {@code index} names the element's flat index.
     */
    public List<Stmt> element(List<Integer> recomputed, Set<Integer> inScope, String index, List<Integer> nodes, Node head,
                              Expr headValue, Shape loop, Buf rootBuf) {
        List<Stmt> out = new ArrayList<>();
        Set<Integer> local = new HashSet<>(inScope);
        Expr i = var(index);
        for (int id : recomputed) {
            Node n = graph.node(id);
            if (!n.type().shape().equals(loop) || local.contains(id)) continue; // read by the other loop of a reduction kernel
            out.add(new Stmt.Let(local(id), type(n), value(n, loop, local, i)));
            local.add(id);
        }
        if (head != null) {
            out.add(new Stmt.Let(local(head.id()), type(head), headValue));
            local.add(head.id());
        }
        int root = nodes.isEmpty() ? head.id() : nodes.getLast();
        for (int id : nodes) {
            Node n = graph.node(id);
            if (!n.type().shape().equals(loop))
                throw new IllegalStateException("fused node " + n.label() + " has shape " + n.type().shape() + ", not the kernel's " + loop);
            out.add(new Stmt.Let(local(id), type(n), value(n, loop, local, i)));
            local.add(id);
            if ((id != root || rootBuf == null) && materialized[id]) out.add(new Stmt.Store(buffer(id), i, var(local(id)), false));
        }
        if (rootBuf != null) out.add(new Stmt.Store(rootBuf, i, var(local(root)), false));
        return out;
    }

    /** A parallel loop over the root's shape; the head (if any) is read from {@code headBuf}. */
    public Stmt loop(List<Integer> nodes, Node head, Buf headBuf, Buf rootBuf) {
        return loop(List.of(), nodes, head, headBuf, rootBuf);
    }

    /** As {@link #loop(List, Node, Buf, Buf)}, evaluating {@code recomputed} first in each element. */
    public Stmt loop(List<Integer> recomputed, List<Integer> nodes, Node head, Buf headBuf, Buf rootBuf) {
        int root = nodes.getLast();
        Shape shape = graph.node(root).type().shape();
        Expr headValue = head == null ? null
                : new Expr.Load(headBuf, var(INDEX), Lanes.CONTIGUOUS);
        return Stmt.parallel(INDEX, Expr.size(SizeExpr.count(shape)), element(recomputed, nodes, head, headValue, shape, rootBuf));
    }

    private Expr value(Node n, Shape loop, Set<Integer> local, Expr i) {
        boolean isFloat = n.type().dtype() != DType.I32;
        return switch (n.op()) {
            case Op.Elementwise e -> switch (e) {
                case Op.Unary u -> UnaryDefinitions.expand(u.fn(), operand(n.input(0), loop, local, i));
                case Op.Binary b -> new Expr.Binary(b.fn(), operand(n.input(0), loop, local, i), operand(n.input(1), loop, local, i), isFloat);
                case Op.BroadcastTo bt -> operand(n.input(0), loop, local, i);
                case Op.TrainSelect t -> new Expr.Select(new Expr.Scalar(Expr.ModelScalar.TRAINING),
                        operand(n.input(0), loop, local, i), operand(n.input(1), loop, local, i));
                case Op.DropoutMask d -> new Expr.DropoutFactor(n.id(), i, d.rate());
            };
            // element i of a one-hot row: 1 where the class index of its row equals i's position in the row
            case Op.OneHot oh -> new Expr.Select(Expr.op(new Expr.Load(buffer(n.input(0)), Expr.op(i, "/", Expr.i(oh.depth())),
                    Lanes.GATHER), "==", Expr.op(i, "%", Expr.i(oh.depth()))), Expr.f(1), Expr.f(0));
            default -> throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") is not elementwise");
        };
    }

    /** A local, a literal, or a (broadcast) buffer element. */
    private Expr operand(int p, Shape loop, Set<Integer> local, Expr i) {
        if (local.contains(p)) return var(local(p));
        Node n = graph.node(p);
        if (n.op() instanceof Op.Constant c) return n.type().dtype() == DType.I32 ? Expr.i((long) c.value()) : Expr.f(c.value());
        Shape from = n.type().shape();
        return new Expr.Load(buffer(p), Indexing.broadcast(from, loop, i), Indexing.lanes(from, loop));
    }

    private Buf buffer(int id) {
        Buf b = buffers.apply(id);
        if (b == null) throw new IllegalStateException(graph.node(id).label() + " is read but has no buffer");
        return b;
    }

    static Type type(Node n) { return n.type().dtype() == DType.I32 ? Type.INT : Type.FLOAT; }
}
