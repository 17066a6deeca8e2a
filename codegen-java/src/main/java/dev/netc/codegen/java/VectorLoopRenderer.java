package dev.netc.codegen.java;

import dev.netc.codegen.core.ScalarExprPrinter;
import dev.netc.codegen.core.IndexExpr;
import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.kernels.Vectors;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Vector API body of a fused elementwise loop: one FloatVector local per node, one vector of
 * loop indices per iteration. Used when every node is float arithmetic and every operand read from
 * memory is either contiguous along the loop, or the same over each vector's lanes (a per-channel
 * bias over whole image planes, a scalar); anything else keeps the scalar loop, which also runs the
 * tail of every chunk.
 */
final class VectorLoopRenderer {
    private static final ClassName FLOAT_VECTOR = ClassName.get("jdk.incubator.vector", "FloatVector");
    private final Graph graph;
    private final Buffers buffers;
    private final boolean[] materialized;
    private final VectorExprPrinter v = new VectorExprPrinter();
    private final ScalarExprPrinter scalar = new ScalarExprPrinter(JavaDialect.INSTANCE);

    VectorLoopRenderer(Graph graph, Buffers buffers, boolean[] materialized) {
        this.graph = graph;
        this.buffers = buffers;
        this.materialized = materialized;
    }

    /**
     * Statements computing lanes [i, i + LANES) of every node, or empty when some node or operand has
     * no vector form. {@code head}, when not null, is read from its buffer (or rootField) first.
     */
    Optional<CodeBlock> body(List<Integer> nodes, Node head, String rootField, Shape loop) {
        Set<Integer> local = new HashSet<>();
        CodeBlock.Builder b = CodeBlock.builder();
        if (head != null) {
            if (head.type().dtype() != DType.F32) return Optional.empty();
            String headBuffer = buffers.hasField(head.id()) ? buffers.field(head.id()) : rootField;
            b.addStatement("$T v$L = $L", FLOAT_VECTOR, head.id(), v.load(headBuffer, "i"));
            local.add(head.id());
        }
        int root = nodes.getLast();
        for (int id : nodes) {
            Node n = graph.node(id);
            if (n.type().dtype() != DType.F32) return Optional.empty();
            Optional<String> e = switch (n.op()) {
                case Op.Unary u -> operand(n.input(0), loop, local).map(x -> v.unary(u.fn(), x));
                case Op.Binary bin -> operand(n.input(0), loop, local).flatMap(x ->
                        operand(n.input(1), loop, local).map(y -> v.binary(bin.fn(), x, y)));
                case Op.BroadcastTo bt -> operand(n.input(0), loop, local);
                default -> Optional.empty(); // dropout masks, train/eval selects: the scalar loop
            };
            if (e.isEmpty()) return Optional.empty();
            b.addStatement("$T v$L = $L", FLOAT_VECTOR, id, e.get());
            local.add(id);
            if (id != root && materialized[id]) b.addStatement("v$L.intoArray($L, i)", id, buffers.field(id));
        }
        b.addStatement("v$L.intoArray($L, i)", root, rootField);
        return Optional.of(b.build());
    }

    /** How a vector node reads operand p: a local, a broadcast constant or value, or a contiguous load. */
    private Optional<String> operand(int p, Shape loop, Set<Integer> local) {
        if (local.contains(p)) return Optional.of("v" + p);
        Node n = graph.node(p);
        if (n.type().dtype() != DType.F32) return Optional.empty();
        if (n.op() instanceof Op.Constant c) return Optional.of(v.broadcast(scalar.constant(c.value(), true)));
        if (!buffers.hasField(p)) return Optional.empty();
        String field = buffers.field(p);
        Shape from = n.type().shape();
        String index = IndexExpr.broadcast(from, loop, "i");
        if (index.equals("i")) return Optional.of(v.load(field, "i"));
        if (index.equals("0")) return Optional.of(v.broadcast(field + "[0]"));
        return switch (laneAccess(from, loop)) {
            case CONTIGUOUS -> Optional.of(v.load(field, index));
            case UNIFORM -> Optional.of(v.broadcast(field + "[" + index + "]"));
            case NONE -> Optional.empty();
        };
    }

    /** How lanes i .. i + MAX_LANES - 1 (i a multiple of MAX_LANES) of a broadcast read map to memory. */
    private enum LaneAccess { CONTIGUOUS, UNIFORM, NONE }

    private static LaneAccess laneAccess(Shape from, Shape loop) {
        int lead = loop.rank() - from.rank();
        int last = -1; // the last loop axis the operand varies along
        for (int k = 0; k < loop.rank(); k++)
            if (k >= lead && !isOne(from.dim(k - lead)) && !isOne(loop.dim(k))) last = k;
        if (last < 0) return LaneAccess.UNIFORM;
        SizeExpr inner = SizeExpr.of(loop, last + 1, loop.rank());
        if (!inner.isOne()) return dividesIntoVectors(inner) ? LaneAccess.UNIFORM : LaneAccess.NONE;
        int start = last; // the run of varying axes ending at the innermost axis
        while (start - 1 >= lead && !isOne(from.dim(start - 1 - lead)) && !isOne(loop.dim(start - 1))) start--;
        return dividesIntoVectors(SizeExpr.of(loop, start, last + 1)) ? LaneAccess.CONTIGUOUS : LaneAccess.NONE;
    }

    private static boolean dividesIntoVectors(SizeExpr run) {
        return run.isKnown() && run.known() % Vectors.MAX_LANES == 0;
    }

    private static boolean isOne(Dim d) { return d instanceof Dim.Known k && k.size() == 1; }
}
