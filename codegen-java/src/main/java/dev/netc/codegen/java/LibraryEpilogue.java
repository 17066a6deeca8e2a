package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.plan.BufferRole;
import java.util.List;
import java.util.Optional;

/**
 * Recognises the epilogues the kernel library applies in registers, so that "matmul/conv2d, then add
 * a bias, then relu/sigmoid/tanh" becomes one library call that writes its output once. Anything
 * else keeps the generic anchor-then-loop form.
 */
final class LibraryEpilogue {
    private static final ClassName ACTIVATION = ClassName.get(LibraryCalls.KERNELS, "Activation");

    private LibraryEpilogue() {}

    /**
     * The fused call for anchor {@code head} followed by {@code epilogue}, when the epilogue is an
     * optional bias add then an optional activation whose intermediate values nobody else reads.
     */
    static Optional<CodeBlock> match(Graph g, Buffers buffers, boolean[] materialized, Node head, List<Integer> epilogue, String out) {
        if (epilogue.isEmpty() || epilogue.size() > 2) return Optional.empty();
        if (head.op() instanceof Op.MaxPoolGrad p) return reluMaskedPoolGrad(g, buffers, materialized, head, p, epilogue, out);
        if (head.op() instanceof Op.MatMul mm) {
            Optional<CodeBlock> gated = reluGatedMatMul(g, buffers, materialized, head, mm, epilogue, out);
            if (gated.isPresent()) return gated;
        }
        return biasActivation(g, buffers, materialized, head, epilogue).flatMap(ba -> call(g, buffers, head, ba.bias(), ba.activation(), out));
    }

    /** A bias field (or null) and the name of a library {@code Activation}. */
    record BiasActivation(String bias, String activation) {}

    /**
     * The epilogue as the library applies it in its store: an optional bias add, then an optional ReLU,
     * sigmoid or tanh, whose intermediate values nobody else reads; empty for anything else.
     */
    static Optional<BiasActivation> biasActivation(Graph g, Buffers buffers, boolean[] materialized, Node head, List<Integer> epilogue) {
        if (epilogue.size() > 2) return Optional.empty();
        for (int i = 0; i < epilogue.size() - 1; i++) if (materialized[epilogue.get(i)]) return Optional.empty();
        if (epilogue.isEmpty()) return Optional.of(new BiasActivation(null, "NONE"));
        int current = head.id();
        String bias = null;
        int at = 0;
        Node first = g.node(epilogue.getFirst());
        if (first.op() instanceof Op.Binary bin && bin.fn() == BinaryFn.ADD) {
            int other = first.input(0) == current ? first.input(1) : first.input(1) == current ? first.input(0) : -1;
            if (other < 0 || other == current || !buffers.hasField(other) || !isBias(head, g.node(other).type().shape()))
                return Optional.empty();
            bias = buffers.field(other);
            current = first.id();
            at = 1;
        }
        String activation = "NONE";
        if (at < epilogue.size()) {
            Node act = g.node(epilogue.get(at));
            if (!(act.op() instanceof Op.Unary u) || act.input(0) != current) return Optional.empty();
            activation = switch (u.fn()) {
                case RELU -> "RELU";
                case SIGMOID -> "SIGMOID";
                case TANH -> "TANH";
                default -> null;
            };
            if (activation == null) return Optional.empty();
            at++;
        }
        if (at != epilogue.size()) return Optional.empty();
        return Optional.of(new BiasActivation(bias, activation));
    }

    private static Optional<CodeBlock> call(Graph g, Buffers buffers, Node head, String bias, String activation, String out) {
        Shape y = head.type().shape();
        return switch (head.op()) {
            case Op.MatMul mm -> {
                Shape a = g.node(head.input(0)).type().shape();
                SizeExpr n = SizeExpr.of(y.dim(1)), k = SizeExpr.of(a.dim(mm.transposeA() ? 0 : 1));
                String b = field(buffers, head, 1);
                // a parameter b passes its panels too (held while the parameters are frozen, else null)
                String panels = buffers.role(head.input(1)) == BufferRole.PARAMETER ? LibraryCalls.panels(mm.transposeB(), k, n, b) + ", " : "";
                yield Optional.of(CodeBlock.builder().addStatement("$T.sgemmBiasActivation($L, $L, $L, $L, $L, $L, 0, $L, 0, $L0f, $L, $T.$L, $L, 0)",
                        LibraryCalls.GEMM, mm.transposeA(), mm.transposeB(), SizeExpr.of(y.dim(0)), n, k, field(buffers, head, 0), b,
                        panels, bias, ACTIVATION, activation, out).build());
            }
            case Op.Conv2d c -> {
                Shape w = g.node(head.input(1)).type().shape();
                String geometry = LibraryCalls.convGeometry(g.node(head.input(0)).type().shape(), w.size(0), w.size(2), w.size(3),
                        c.stride(), c.padding(), y);
                yield Optional.of(CodeBlock.builder().addStatement("$T.forwardBiasActivation($L, $L, $L, $L, $T.$L, $L)",
                        LibraryCalls.CONV2D, geometry, field(buffers, head, 0), field(buffers, head, 1), bias, ACTIVATION, activation, out).build());
            }
            default -> Optional.empty();
        };
    }

    /**
     * max_pool_grad(x, dy) * step(x): the pooled value x came out of a ReLU, and its gradient mask is
     * applied by the pooling gradient itself (the winner of each window is where x is read anyway).
     */
    private static Optional<CodeBlock> reluMaskedPoolGrad(Graph g, Buffers buffers, boolean[] materialized, Node head,
                                                          Op.MaxPoolGrad p, List<Integer> epilogue, String out) {
        if (epilogue.size() != 2 || materialized[epilogue.get(0)]) return Optional.empty();
        Node mask = g.node(epilogue.get(0)), product = g.node(epilogue.get(1));
        boolean isStepOfX = mask.op() instanceof Op.Unary u && u.fn() == UnaryFn.STEP && mask.input(0) == head.input(0);
        boolean isMasked = product.op() instanceof Op.Binary bin && bin.fn() == BinaryFn.MUL
                && product.inputs().containsAll(List.of(head.id(), mask.id())) && product.input(0) != product.input(1);
        if (!isStepOfX || !isMasked || !product.type().equals(head.type())) return Optional.empty();
        Shape x = g.node(head.input(0)).type().shape();
        String geometry = LibraryCalls.poolGeometry(x, p.size(), p.stride(), p.padding(), g.node(head.input(1)).type().shape());
        return Optional.of(CodeBlock.builder().addStatement("$T.maxPoolGrad($L, $L, $L, $L, true)", LibraryCalls.POOLING,
                geometry, field(buffers, head, 0), field(buffers, head, 1), out).build());
    }

    /**
     * matmul(a, b) * step(x), x shaped as the product (a dense layer's input gradient through the ReLU that made x):
     * the library multiplies each output tile by the mask as it stores it, so the product is not written, read and
     * written again by an elementwise pass (the MNIST CNN's dX: 50 x 3136, 1.2 MiB less a step).
     */
    private static Optional<CodeBlock> reluGatedMatMul(Graph g, Buffers buffers, boolean[] materialized, Node head, Op.MatMul mm,
                                                       List<Integer> epilogue, String out) {
        if (epilogue.size() != 2 || materialized[epilogue.get(0)]) return Optional.empty();
        Node mask = g.node(epilogue.get(0)), product = g.node(epilogue.get(1));
        boolean isStep = mask.op() instanceof Op.Unary u && u.fn() == UnaryFn.STEP;
        boolean isMasked = product.op() instanceof Op.Binary bin && bin.fn() == BinaryFn.MUL
                && product.inputs().containsAll(List.of(head.id(), mask.id())) && product.input(0) != product.input(1);
        if (!isStep || !isMasked || !product.type().equals(head.type())) return Optional.empty();
        int gate = mask.input(0);
        if (!g.node(gate).type().equals(head.type()) || !buffers.hasField(gate)) return Optional.empty();
        Shape y = head.type().shape(), a = g.node(head.input(0)).type().shape();
        SizeExpr n = SizeExpr.of(y.dim(1)), k = SizeExpr.of(a.dim(mm.transposeA() ? 0 : 1));
        String b = field(buffers, head, 1);
        String panels = buffers.role(head.input(1)) == BufferRole.PARAMETER ? LibraryCalls.panels(mm.transposeB(), k, n, b) : "null";
        return Optional.of(CodeBlock.builder().addStatement("$T.sgemmGated($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, $L, $L, 0)",
                LibraryCalls.GEMM, mm.transposeA(), mm.transposeB(), SizeExpr.of(y.dim(0)), n, k, field(buffers, head, 0), b, panels,
                buffers.field(gate), out).build());
    }

    /**
     * The sibling of a conv2d_backward_filter(x, dy) head that is the bias gradient: a sum of dy over
     * images and positions into one value per filter. -1 when there is none.
     */
    static int biasGradientSibling(Graph g, Node head, List<Integer> siblings) {
        if (!(head.op() instanceof Op.Conv2dBackwardFilter)) return -1;
        Shape dy = g.node(head.input(1)).type().shape();
        for (int id : siblings) {
            Node s = g.node(id);
            boolean sums = s.op() instanceof Op.SumTo
                    || s.op() instanceof Op.Reduce r && r.fn() == dev.netc.ir.ReduceFn.SUM;
            if (!sums || s.input(0) != head.input(1)) continue;
            Shape reduced = s.op() instanceof Op.SumTo st ? st.target().padToRank(dy.rank())
                    : dy.withUnitAxes(((Op.Reduce) s.op()).axes());
            int[] block = dev.netc.codegen.core.loop.Indexing.keptBlock(dy, reduced);
            if (block != null && block[0] == 1 && block[1] == 2) return id;
        }
        return -1;
    }

    /** conv2d_backward_filter with its bias-gradient sibling: one library pass over dy writes both. */
    static CodeBlock filterGradientWithBias(Graph g, Buffers buffers, Node head, int sibling, String out) {
        Op.Conv2dBackwardFilter c = (Op.Conv2dBackwardFilter) head.op();
        Shape dy = g.node(head.input(1)).type().shape();
        String geometry = LibraryCalls.convGeometry(g.node(head.input(0)).type().shape(), dy.size(1), c.kh(), c.kw(),
                c.stride(), c.padding(), dy);
        return CodeBlock.builder().addStatement("$T.backwardFilterBias($L, $L, $L, $L, $L)", LibraryCalls.CONV2D, geometry,
                field(buffers, head, 0), field(buffers, head, 1), out, buffers.field(sibling)).build();
    }

    /** A per-column bias [n] / [1, n] of a matmul, or a per-filter bias [F, 1, 1] / [1, F, 1, 1] of a conv2d. */
    private static boolean isBias(Node head, Shape bias) {
        Shape y = head.type().shape();
        List<Dim> dims = bias.dims();
        int lead = 0;
        while (lead < dims.size() && dims.get(lead).isOne() && dims.size() - lead > (head.op() instanceof Op.Conv2d ? 3 : 1)) lead++;
        List<Dim> rest = dims.subList(lead, dims.size());
        return switch (head.op()) {
            case Op.MatMul mm -> rest.size() == 1 && rest.getFirst().equals(y.dim(1)) && y.dim(1).isKnown();
            case Op.Conv2d c -> rest.size() == 3 && rest.get(0).equals(y.dim(1)) && rest.get(1).isOne() && rest.get(2).isOne();
            default -> false;
        };
    }

    private static String field(Buffers buffers, Node n, int operand) { return buffers.field(n.input(operand)); }

}
