package dev.netc.codegen.java;

import dev.netc.codegen.core.ScalarExprPrinter;
import dev.netc.codegen.core.IndexExpr;
import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * Renders one kernel of a plan as a private method of the generated class. A kernel is either a
 * run of elementwise nodes, printed as one loop with one local per node, or a head op (matmul,
 * conv2d, a reduction, ...) followed by an optional elementwise epilogue applied in one more pass,
 * and by its sibling reductions (outputs of their own, e.g. a bias gradient beside a weight gradient).
 */
final class KernelRenderer {
    private final Graph graph;
    private final Buffers buffers;
    private final boolean[] materialized;
    private final ScalarExprPrinter expr = new ScalarExprPrinter(JavaDialect.INSTANCE);
    private final VectorLoopRenderer vectors;

    KernelRenderer(KernelPlan plan, Buffers buffers) {
        this.graph = plan.graph();
        this.buffers = buffers;
        this.materialized = plan.materialized();
        this.vectors = new VectorLoopRenderer(graph, buffers, materialized);
    }

    /** True when the kernel needs no code: a lone reshape, which aliases its operand's buffer. */
    boolean isAlias(Kernel k) {
        return k.nodes().size() == 1 && graph.node(k.root()).op() instanceof Op.Reshape;
    }

    MethodSpec render(Kernel k) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(k.name()).addModifiers(Modifier.PRIVATE);
        StringBuilder doc = new StringBuilder("Kernel " + k.name() + " (" + k.phase().name().toLowerCase() + " phase).\n<pre>\n");
        for (int id : k.nodes()) doc.append(escape(IrPrinter.line(graph.node(id)))).append('\n');
        for (int id : k.siblings()) doc.append("+ ").append(escape(IrPrinter.line(graph.node(id)))).append(" (sibling output)\n");
        m.addJavadoc("$L</pre>\n", doc);
        Node head = graph.node(k.nodes().getFirst());
        String rootField = buffers.field(k.root());
        if (BufferRole.inlinesOperands(head)) {
            m.addCode(elementwiseLoop(k.nodes(), null, rootField));
        } else {
            String headOut = buffers.hasField(head.id()) ? buffers.field(head.id()) : rootField;
            if (!buffers.hasField(head.id()) && !head.type().equals(graph.node(k.root()).type()))
                throw new IllegalStateException("kernel " + k.name() + ": head " + head.label() + " has type "
                        + head.type() + " but its epilogue writes " + graph.node(k.root()).type());
            List<Integer> epilogue = k.nodes().subList(1, k.nodes().size());
            List<Integer> siblings = new ArrayList<>(k.siblings());
            var fused = LibraryEpilogue.match(graph, buffers, materialized, head, epilogue, rootField);
            int bias = epilogue.isEmpty() ? LibraryEpilogue.biasGradientSibling(graph, head, siblings) : -1;
            var prefix = libraryPrefix(head, epilogue, rootField);
            if (bias >= 0) {
                m.addComment("one pass over dy writes the weight gradient and, as a sibling output, the bias gradient");
                m.addCode(LibraryEpilogue.filterGradientWithBias(graph, buffers, head, bias, headOut));
                siblings.remove(Integer.valueOf(bias));
            } else if (fused.isPresent() && !buffers.hasField(head.id())) {
                m.addComment("the library applies the epilogue while each output tile is still in registers");
                m.addCode(fused.get());
            } else if (prefix.isPresent()) {
                // the library takes the first two epilogue nodes (e.g. a ReLU mask), a loop the rest
                m.addCode(prefix.get());
                m.addCode(elementwiseLoop(epilogue.subList(2, epilogue.size()), graph.node(epilogue.get(1)), rootField));
            } else {
                m.addCode(head(head, headOut));
                if (!epilogue.isEmpty()) m.addCode(elementwiseLoop(epilogue, head, rootField));
            }
            if (!siblings.isEmpty())
                m.addComment("sibling outputs: their operand was just read by the head and is still in cache");
            for (int sibling : siblings) m.addCode(head(graph.node(sibling), buffers.field(sibling)));
        }
        return m.build();
    }

    /** The library call for the head and the first two of more epilogue nodes, when it has one. */
    private java.util.Optional<CodeBlock> libraryPrefix(Node head, List<Integer> epilogue, String rootField) {
        if (epilogue.size() <= 2 || buffers.hasField(head.id()) || buffers.hasField(epilogue.get(1)))
            return java.util.Optional.empty();
        return LibraryEpilogue.match(graph, buffers, materialized, head, epilogue.subList(0, 2), rootField);
    }

    /** One loop over the root's shape; every node becomes a local, stored when others read it. */
    private CodeBlock elementwiseLoop(List<Integer> nodes, Node head, String rootField) {
        int root = nodes.getLast();
        Shape loop = graph.node(root).type().shape();
        Set<Integer> local = new HashSet<>();
        CodeBlock.Builder b = CodeBlock.builder();
        for (int id : nodes) {
            if (graph.node(id).op() instanceof Op.DropoutMask)
                b.addStatement("final long stream$L = dropoutStream($L)", id, id);
        }
        // independent iterations: split over all cores once the loop is long enough (forChunks decides)
        b.add("$T.forChunks($L, (from, to) -> {\n$>", LibraryCalls.PARALLEL, SizeExpr.count(loop));
        var vector = vectors.body(nodes, head, rootField, loop);
        if (vector.isPresent()) {
            // whole vectors first (chunks start at multiples of the lane count), then the scalar tail
            b.addStatement("int i = from");
            b.beginControlFlow("for (int upper = from + SPECIES.loopBound(to - from); i < upper; i += LANES)");
            b.add(vector.get());
            b.endControlFlow();
            b.beginControlFlow("for (; i < to; i++)");
        } else {
            b.beginControlFlow("for (int i = from; i < to; i++)");
        }
        if (head != null) {
            String headBuffer = buffers.hasField(head.id()) ? buffers.field(head.id()) : rootField;
            b.addStatement("$L v$L = $L[i]", buffers.elementType(head.id()) , head.id(), headBuffer);
            local.add(head.id());
        }
        for (int id : nodes) {
            Node n = graph.node(id);
            if (!n.type().shape().equals(loop))
                throw new IllegalStateException("fused node " + n.label() + " has shape " + n.type().shape()
                        + ", not the kernel's " + loop);
            b.addStatement("$L v$L = $L", javaType(n), id, scalar(n, loop, local));
            local.add(id);
            if (id != root && materialized[id]) b.addStatement("$L[i] = v$L", buffers.field(id), id);
        }
        b.addStatement("$L[i] = v$L", rootField, root);
        b.endControlFlow();
        b.add("$<});\n");
        return b.build();
    }

    /** The scalar expression of an elementwise node at loop index i. */
    private String scalar(Node n, Shape loop, Set<Integer> local) {
        boolean isFloat = n.type().dtype() != DType.I32;
        return switch (n.op()) {
            case Op.Unary u -> expr.unary(u.fn(), operand(n.input(0), loop, local));
            case Op.Binary bin -> expr.binary(bin.fn(), operand(n.input(0), loop, local), operand(n.input(1), loop, local), isFloat);
            case Op.BroadcastTo bt -> operand(n.input(0), loop, local);
            case Op.TrainSelect t -> "training ? " + operand(n.input(0), loop, local) + " : " + operand(n.input(1), loop, local);
            case Op.DropoutMask d -> "training ? (dropoutUniform(stream" + n.id() + ", i) < " + d.rate() + " ? 0f : "
                    + JavaDialect.INSTANCE.floatLiteral(1 / (1 - d.rate())) + ") : 1f";
            case Op.Input _, Op.Parameter _, Op.Constant _, Op.MatMul _, Op.Conv2d _, Op.Conv2dBackwardData _,
                 Op.Conv2dBackwardFilter _, Op.MaxPool _, Op.MaxPoolGrad _, Op.Reduce _, Op.SumTo _, Op.Softmax _,
                 Op.LogSoftmax _, Op.Argmax _, Op.Reshape _, Op.Transpose _, Op.OneHot _, Op.AvgPool _, Op.AvgPoolGrad _,
                 Op.Concat _, Op.Slice _ ->
                    throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") is not elementwise");
        };
    }

    /** How an elementwise node reads operand p: a local, a literal, or a (broadcast) buffer element. */
    private String operand(int p, Shape loop, Set<Integer> local) {
        if (local.contains(p)) return "v" + p;
        Node n = graph.node(p);
        if (n.op() instanceof Op.Constant c) return expr.constant(c.value(), n.type().dtype() != DType.I32);
        if (!buffers.hasField(p)) throw new IllegalStateException(n.label() + " is read but has no buffer");
        return buffers.field(p) + "[" + IndexExpr.broadcast(n.type().shape(), loop, "i") + "]";
    }

    /** The code of a non-elementwise op writing its whole result to {@code out}. */
    private CodeBlock head(Node n, String out) {
        Shape y = n.type().shape();
        return switch (n.op()) {
            case Op.MatMul mm -> LibraryCalls.matmul(mm.transposeA(), mm.transposeB(), shape(n, 0), y, in(n, 0), in(n, 1), out);
            case Op.Conv2d c -> {
                Shape w = shape(n, 1);
                yield LibraryCalls.conv2dForward(LibraryCalls.convGeometry(shape(n, 0), w.size(0), w.size(2), w.size(3),
                        c.stride(), c.padding(), y), in(n, 0), in(n, 1), out);
            }
            case Op.Conv2dBackwardData c -> {
                Shape w = shape(n, 1);
                yield LibraryCalls.conv2dBackwardData(LibraryCalls.convGeometry(y, w.size(0), w.size(2), w.size(3),
                        c.stride(), c.padding(), shape(n, 0)), in(n, 0), in(n, 1), out);
            }
            case Op.Conv2dBackwardFilter c -> {
                Shape dy = shape(n, 1);
                yield LibraryCalls.conv2dBackwardFilter(LibraryCalls.convGeometry(shape(n, 0), dy.size(1), c.kh(), c.kw(),
                        c.stride(), c.padding(), dy), in(n, 0), in(n, 1), out);
            }
            case Op.MaxPool p -> LibraryCalls.maxPool(LibraryCalls.poolGeometry(shape(n, 0), p.size(), p.stride(),
                    p.padding(), y), in(n, 0), out);
            case Op.MaxPoolGrad p -> LibraryCalls.maxPoolGrad(LibraryCalls.poolGeometry(shape(n, 0), p.size(), p.stride(),
                    p.padding(), shape(n, 1)), in(n, 0), in(n, 1), out);
            case Op.Reduce r -> OpLoops.reduce(r.fn(), shape(n, 0), OpLoops.keepDims(shape(n, 0), r.axes()), in(n, 0), out);
            case Op.SumTo s -> OpLoops.reduce(ReduceFn.SUM, shape(n, 0), OpLoops.padRank(s.target(), shape(n, 0).rank()), in(n, 0), out);
            case Op.Softmax s -> OpLoops.alongAxis(OpLoops.AxisOp.SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out);
            case Op.LogSoftmax s -> OpLoops.alongAxis(OpLoops.AxisOp.LOG_SOFTMAX, shape(n, 0), s.axis(), in(n, 0), out);
            case Op.Argmax a -> OpLoops.alongAxis(OpLoops.AxisOp.ARGMAX, shape(n, 0), a.axis(), in(n, 0), out);
            case Op.Transpose t -> OpLoops.transpose(shape(n, 0), y, t.permutation(), in(n, 0), out);
            case Op.OneHot oh -> OpLoops.oneHot(shape(n, 0), oh.depth(), in(n, 0), out);
            case Op.AvgPool p -> LayoutLoops.avgPool(shape(n, 0), y, p.size(), p.stride(), p.padding(), false, in(n, 0), out);
            case Op.AvgPoolGrad p -> LayoutLoops.avgPool(y, shape(n, 0), p.size(), p.stride(), p.padding(), true, in(n, 0), out);
            case Op.Concat c -> LayoutLoops.concat(n.inputs().stream().map(i -> graph.node(i).type().shape()).toList(), y, c.axis(),
                    java.util.stream.IntStream.range(0, n.inputs().size()).mapToObj(k -> in(n, k)).toList(), out);
            case Op.Slice s -> LayoutLoops.slice(shape(n, 0), y, s.axis(), s.start(), in(n, 0), out);
            case Op.Reshape r -> throw new IllegalStateException(n.label() + ": a reshape aliases its operand and cannot head a fused kernel");
            case Op.Input _, Op.Parameter _, Op.Constant _ -> throw new IllegalStateException(n.label() + " is a leaf, not a kernel");
            case Op.Unary _, Op.Binary _, Op.BroadcastTo _, Op.DropoutMask _, Op.TrainSelect _ ->
                    throw new IllegalStateException(n.label() + " is elementwise and belongs in a loop");
        };
    }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private String in(Node n, int operand) {
        int id = n.input(operand);
        if (!buffers.hasField(id)) throw new IllegalStateException(graph.node(id).label() + " is read by " + n.label() + " but has no buffer");
        return buffers.field(id);
    }

    private static String javaType(Node n) { return n.type().dtype() == DType.I32 ? "int" : "float"; }

    private static String escape(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
