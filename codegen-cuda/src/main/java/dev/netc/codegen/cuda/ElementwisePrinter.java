package dev.netc.codegen.cuda;

import dev.netc.codegen.core.IndexExpr;
import dev.netc.codegen.core.ScalarExprPrinter;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Prints the per-element statements of a chain of elementwise nodes at linear index {@code i} of a
 * loop over the root's shape: one local per node ({@code v<id>}), stored where another kernel reads
 * it. The scalar expressions come from the {@link ScalarExprPrinter} shared with the Java backend,
 * spelled in {@link CudaDialect}; operand indexing from the shared {@link IndexExpr}.
 */
final class ElementwisePrinter {
    private final Graph graph;
    private final CudaBuffers buffers;
    private final boolean[] materialized;
    private final ScalarExprPrinter expr = new ScalarExprPrinter(CudaDialect.INSTANCE);

    ElementwisePrinter(Graph graph, CudaBuffers buffers, boolean[] materialized) {
        this.graph = graph;
        this.buffers = buffers;
        this.materialized = materialized;
    }

    /** Statements to run once before the element loop: each dropout node's random stream. */
    void prologue(KernelWriter w, List<Integer> nodes) {
        for (int id : nodes) {
            if (graph.node(id).op() instanceof Op.DropoutMask)
                w.line("const unsigned long long stream" + id + " = netc_dropout_stream(" + w.scalar("seed") + ", "
                        + w.scalar("counter") + ", " + id + ");");
        }
    }

    /**
     * The statements for one element. {@code headLocal}, when not null, is the already computed value
     * of node {@code head} (a GEMM accumulator or a buffer read); the root is stored to its buffer.
     */
    void element(KernelWriter w, List<Integer> nodes, Node head, String headLocal, Shape loop) {
        Set<Integer> local = new HashSet<>();
        if (head != null) {
            w.line(CudaBuffers.elementType(head) + " v" + head.id() + " = " + headLocal + ";");
            local.add(head.id());
        }
        int root = nodes.isEmpty() ? head.id() : nodes.getLast();
        for (int id : nodes) {
            Node n = graph.node(id);
            if (!n.type().shape().equals(loop))
                throw new IllegalStateException("fused node " + n.label() + " has shape " + n.type().shape() + ", not the kernel's " + loop);
            w.line(CudaBuffers.elementType(n) + " v" + id + " = " + scalar(w, n, loop, local) + ";");
            local.add(id);
            if (id != root && materialized[id]) w.line(w.out(buffers.name(id), n) + "[i] = v" + id + ";");
        }
        w.line(w.out(buffers.name(root), graph.node(root)) + "[i] = v" + root + ";");
    }

    private String scalar(KernelWriter w, Node n, Shape loop, Set<Integer> local) {
        boolean isFloat = n.type().dtype() != DType.I32;
        return switch (n.op()) {
            case Op.Unary u -> expr.unary(u.fn(), operand(w, n.input(0), loop, local));
            case Op.Binary b -> expr.binary(b.fn(), operand(w, n.input(0), loop, local), operand(w, n.input(1), loop, local), isFloat);
            case Op.BroadcastTo bt -> operand(w, n.input(0), loop, local);
            case Op.TrainSelect t -> w.scalar("training") + " ? " + operand(w, n.input(0), loop, local) + " : "
                    + operand(w, n.input(1), loop, local);
            case Op.DropoutMask d -> w.scalar("training") + " ? (netc_dropout_uniform(stream" + n.id() + ", i) < "
                    + CudaDialect.INSTANCE.doubleLiteral(d.rate()) + " ? 0.0f : "
                    + CudaDialect.INSTANCE.floatLiteral(1 / (1 - d.rate())) + ") : 1.0f";
            default -> throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") is not elementwise");
        };
    }

    /** A local, a literal, or a (broadcast) buffer element. */
    private String operand(KernelWriter w, int p, Shape loop, Set<Integer> local) {
        if (local.contains(p)) return "v" + p;
        Node n = graph.node(p);
        if (n.op() instanceof Op.Constant c) return expr.constant(c.value(), n.type().dtype() != DType.I32);
        return w.in(buffers.name(p), n) + "[" + IndexExpr.broadcast(n.type().shape(), loop, "i") + "]";
    }
}
