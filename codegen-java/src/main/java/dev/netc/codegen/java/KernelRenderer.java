package dev.netc.codegen.java;

import dev.netc.codegen.core.ScalarExprPrinter;
import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.CodeBlock;
import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.DropoutNodes;
import dev.netc.codegen.core.loop.Elementwise;
import dev.netc.codegen.core.loop.ReductionKernel;
import dev.netc.codegen.core.loop.OpLowering;
import dev.netc.codegen.core.loop.Stmt;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
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
    private final KernelPlan plan;
    private final Graph graph;
    private final Buffers buffers;
    private final boolean[] materialized;
    private final Elementwise elementwise;
    private final OpLowering ops;

    KernelRenderer(KernelPlan plan, Buffers buffers) {
        this.plan = plan;
        this.graph = plan.graph();
        this.buffers = buffers;
        this.materialized = plan.materialized();
        this.elementwise = new Elementwise(graph, materialized, buffers::buf);
        this.ops = new OpLowering(graph, buffers::buf);
    }

    /** True when the kernel needs no code: a lone reshape, which aliases its operand's buffer. */
    boolean isAlias(Kernel k) {
        return plan.isAlias(k);
    }

    /** The kernel's method; its parallel loops go into {@code loops}. */
    MethodSpec render(Kernel k, LoopMethods loops) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(k.name()).addModifiers(Modifier.PRIVATE);
        StringBuilder doc = new StringBuilder("Kernel " + k.name() + " (" + k.phase().name().toLowerCase() + " phase).\n<pre>\n");
        for (int id : k.nodes()) doc.append(escape(IrPrinter.line(graph.node(id)))).append('\n');
        for (int id : k.pooled()) doc.append("&lt; ").append(escape(IrPrinter.line(graph.node(id)))).append(" (pooling epilogue)\n");
        for (int id : k.siblings()) doc.append("+ ").append(escape(IrPrinter.line(graph.node(id)))).append(" (sibling output)\n");
        m.addJavadoc("$L</pre>\n", doc);
        Node head = graph.node(k.nodes().getFirst());
        String rootField = buffers.field(k.root());
        if (ReductionKernel.applies(graph, k)) {
            m.addCode(print(ReductionKernel.lower(graph, k, materialized, buffers::buf), loops));
        } else if (BufferRole.inlinesOperands(head)) {
            m.addCode(elementwiseLoop(k.recomputed(), k.nodes(), null, rootField, loops));
        } else if (!k.pooled().isEmpty()) {
            m.addCode(PooledConvolutions.forward(graph, buffers, materialized, k));
        } else if (PooledConvolutions.expandedGradient(graph, k) >= 0) {
            pooledGradient(m, k, head, rootField, loops);
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
                m.addCode(elementwiseLoop(k.recomputed(), epilogue.subList(2, epilogue.size()), graph.node(epilogue.get(1)), rootField, loops));
            } else {
                m.addCode(head(head, headOut, loops));
                if (!epilogue.isEmpty()) m.addCode(elementwiseLoop(k.recomputed(), epilogue, head, rootField, loops));
            }
            if (!siblings.isEmpty())
                m.addComment("sibling outputs: their operand was just read by the head and is still in cache");
            for (int sibling : siblings) m.addCode(head(graph.node(sibling), buffers.field(sibling), loops));
        }
        return m.build();
    }

    /**
     * A convolution gradient reading the pooling gradient it expands (PoolFusion): the library call,
     * with the bias-gradient sibling in the same pass, then the elementwise epilogue as a loop.
     */
    private void pooledGradient(MethodSpec.Builder m, Kernel k, Node head, String rootField, LoopMethods loops) {
        int expanded = PooledConvolutions.expandedGradient(graph, k);
        List<Integer> epilogue = k.nodes().subList(1, k.nodes().size());
        String headOut = buffers.hasField(head.id()) ? buffers.field(head.id()) : rootField;
        int bias = LibraryEpilogue.biasGradientSibling(graph, head, k.siblings());
        m.addCode(PooledConvolutions.backward(graph, buffers, head, expanded, bias, headOut));
        List<Integer> recomputed = PooledConvolutions.withoutExpanded(k.recomputed(), expanded);
        if (!epilogue.isEmpty()) m.addCode(elementwiseLoop(recomputed, epilogue, head, rootField, loops));
        for (int sibling : k.siblings())
            if (sibling != bias) throw new IllegalStateException("kernel " + k.name() + ": sibling " + graph.node(sibling).label()
                    + " reads the expanded pooling gradient, which only the bias gradient sums in the library pass");
    }

    /** The library call for the head and the first two of more epilogue nodes, when it has one. */
    private java.util.Optional<CodeBlock> libraryPrefix(Node head, List<Integer> epilogue, String rootField) {
        if (epilogue.size() <= 2 || buffers.hasField(head.id())) return java.util.Optional.empty();
        // the rest of the epilogue may read only the second node's value: the head's and the first
        // node's stay inside the library call (a * sigmoid(a) reads a again: no split)
        for (int id : epilogue.subList(2, epilogue.size()))
            for (int in : graph.node(id).inputs())
                if ((in == head.id() || in == epilogue.getFirst()) && !buffers.hasField(in)) return java.util.Optional.empty();
        // the library writes the second node's value where the rest of the epilogue reads it: its own
        // buffer when another kernel reads it too, else the kernel's root buffer
        int second = epilogue.get(1);
        String target = buffers.hasField(second) ? buffers.field(second) : rootField;
        return LibraryEpilogue.match(graph, buffers, materialized, head, epilogue.subList(0, 2), target);
    }

    /** One loop over the root's shape, from the shared lowering; every node becomes a local, stored when others read it. */
    private CodeBlock elementwiseLoop(List<Integer> recomputed, List<Integer> nodes, Node head, String rootField, LoopMethods loops) {
        Buf headBuf = head == null ? null : buffers.hasField(head.id()) ? buffers.buf(head.id()) : buffers.bufNamed(rootField, head);
        return print(List.of(elementwise.loop(recomputed, nodes, head, headBuf, buffers.buf(nodes.getLast()))), loops);
    }

    /** The statements as Java, after the random stream of each dropout node they draw from (a field: loops read it). */
    private CodeBlock print(List<Stmt> body, LoopMethods loops) {
        CodeBlock.Builder b = CodeBlock.builder();
        for (int node : DropoutNodes.in(body)) {
            String stream = JavaLoopPrinter.dropoutStream(node);
            loops.local(stream, TypeName.LONG);
            b.addStatement("$L = dropoutStream($L)", stream, node);
        }
        return b.add("$L", new JavaLoopPrinter(loops).print(body, 0)).build();
    }

    /** The code of a non-elementwise op writing its whole result to {@code out}. */
    private CodeBlock head(Node n, String out, LoopMethods loops) {
        java.util.Optional<CodeBlock> sum = librarySum(n, out);
        if (sum.isPresent()) return sum.get();
        Buf outBuf = buffers.bufNamed(out, n);
        return ops.lower(n, outBuf).map(body -> print(body, loops)).orElseGet(() -> library((Op.LibraryKernel) n.op(), n, out));
    }

    /**
     * A sum or mean whose kept axes are one contiguous block runs in the library's vectorised,
     * multi-core {@code Reductions.sum} (fixed summation order) rather than the shared lowering's
     * one-output-per-iteration loop: the bias gradients of the unfused baseline reduce over the
     * whole batch and image.
     */
    private java.util.Optional<CodeBlock> librarySum(Node n, String out) {
        Shape x = shape(n, 0);
        Shape reduced;
        boolean mean;
        if (n.op() instanceof Op.SumTo s) {
            reduced = s.target().padToRank(x.rank());
            mean = false;
        } else if (n.op() instanceof Op.Reduce r && r.fn() != dev.netc.ir.ReduceFn.MAX) {
            reduced = x.withUnitAxes(r.axes());
            mean = r.fn() == dev.netc.ir.ReduceFn.MEAN;
        } else {
            return java.util.Optional.empty();
        }
        int[] block = dev.netc.codegen.core.loop.Indexing.keptBlock(x, reduced);
        if (block == null) return java.util.Optional.empty();
        SizeExpr count = SizeExpr.ONE;
        for (int k = 0; k < x.rank(); k++) if (!x.dim(k).equals(reduced.dim(k))) count = count.times(SizeExpr.of(x.dim(k)));
        String scale = !mean || count.isOne() ? "1f" : "1f / (" + count + ")";
        return java.util.Optional.of(CodeBlock.builder().addStatement("$T.sum($L, $L, $L, $L, $L, $L)", LibraryCalls.REDUCTIONS,
                in(n, 0), SizeExpr.of(x, 0, block[0]), SizeExpr.of(x, block[0], block[1]), SizeExpr.of(x, block[1], x.rank()),
                scale, out).build());
    }

    /** The kernel-library call of an op the shared lowering leaves to each backend's library. */
    private CodeBlock library(Op.LibraryKernel op, Node n, String out) {
        Shape y = n.type().shape();
        return switch (op) {
            case Op.MatMul mm -> LibraryCalls.matmul(mm.transposeA(), mm.transposeB(), shape(n, 0), y, in(n, 0), in(n, 1),
                    buffers.role(n.input(1)) == BufferRole.PARAMETER, out);
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
            case Op.MaxPoolArgmax p -> LibraryCalls.maxPoolArgmax(LibraryCalls.poolGeometry(shape(n, 0), p.size(), p.stride(),
                    p.padding(), y), in(n, 0), out);
        };
    }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private String in(Node n, int operand) {
        int id = n.input(operand);
        if (!buffers.hasField(id)) throw new IllegalStateException(graph.node(id).label() + " is read by " + n.label() + " but has no buffer");
        return buffers.field(id);
    }

    private static String javaType(Node n) { return Buffers.elementType(n.type().dtype()); }

    private static String escape(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
