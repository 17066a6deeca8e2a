package dev.netc.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.Kernel;
import java.util.List;

/**
 * The library calls of the kernels pooling fusion made ({@code PoolFusion}): a convolution whose
 * kernel writes its max pool and argmax instead of its output ({@code ConvPooled.forward}), and
 * convolution gradients that expand the pooled gradient where they read dy
 * ({@code ConvPooled.backwardData}, {@code ConvPooled.backwardFilterBias}).
 */
final class PooledConvolutions {
    private static final ClassName ACTIVATION = ClassName.get(LibraryCalls.KERNELS, "Activation");

    private PooledConvolutions() {}

    /** The pooling gradient kernel k expands where its head loads dy, or -1. */
    static int expandedGradient(Graph g, Kernel k) {
        for (int id : k.recomputed()) if (g.node(id).op() instanceof Op.MaxPoolGradIndexed) return id;
        return -1;
    }

    /** The call of a convolution kernel with a pooling epilogue: bias and activation, then max and argmax of each window. */
    static CodeBlock forward(Graph g, Buffers buffers, boolean[] materialized, Kernel k) {
        Node head = g.node(k.head());
        Op.Conv2d c = (Op.Conv2d) head.op();
        LibraryEpilogue.BiasActivation epilogue = LibraryEpilogue.biasActivation(g, buffers, materialized, head,
                k.nodes().subList(1, k.nodes().size())).orElseThrow(() -> new IllegalStateException("kernel " + k.name()
                + ": PoolFusion admits a bias and a ReLU, sigmoid or tanh, which the library applies; this epilogue is neither"));
        Node pool = g.node(k.pooled().getFirst());
        Shape w = g.node(head.input(1)).type().shape();
        String geometry = LibraryCalls.convGeometry(g.node(head.input(0)).type().shape(), w.size(0), w.size(2), w.size(3),
                c.stride(), c.padding(), head.type().shape());
        // predict() wants no argmax (only the backward pass reads it); frozen weights may stay transformed
        String argmax = k.pooled().size() > 1 ? "(" + JavaCodegen.INFERENCE_FIELD + " ? null : " + buffers.field(k.pooled().get(1)) + ")"
                : "null";
        return CodeBlock.builder()
                .add("// each image: convolution, bias and activation into a per-thread buffer, then its max pool and argmax\n")
                .addStatement("$T.forward($L, $L, $L, $L, $T.$L, $L, $L, $L, $L)", LibraryCalls.CONV_POOLED, geometry,
                        buffers.field(head.input(0)), buffers.field(head.input(1)), epilogue.bias(), ACTIVATION, epilogue.activation(),
                        ((Op.MaxPool) pool.op()).size(), buffers.field(pool.id()), argmax, LibraryCalls.PACKED_OPERANDS_FIELD)
                .build();
    }

    /**
     * The call of a convolution gradient head reading the expanded pooling gradient {@code expanded}
     * as dy, writing {@code out}; a bias-gradient sibling (or -1) is summed in the same pass.
     */
    static CodeBlock backward(Graph g, Buffers buffers, Node head, int expanded, int biasSibling, String out) {
        Node grad = g.node(expanded);
        int size = ((Op.MaxPoolGradIndexed) grad.op()).size();
        String argmax = buffers.field(grad.input(0)), dyPooled = buffers.field(grad.input(1));
        Shape dy = grad.type().shape();
        CodeBlock.Builder b = CodeBlock.builder().add("// dy: the pooled gradient expanded by the argmax, image by image, where it is read\n");
        if (head.op() instanceof Op.Conv2dBackwardData c) {
            Shape w = g.node(head.input(1)).type().shape();
            String geometry = LibraryCalls.convGeometry(head.type().shape(), w.size(0), w.size(2), w.size(3), c.stride(), c.padding(), dy);
            return b.addStatement("$T.backwardData($L, $L, $L, $L, $L, $L)", LibraryCalls.CONV_POOLED, geometry, size, argmax,
                    dyPooled, buffers.field(head.input(1)), out).build();
        }
        if (head.op() instanceof Op.Conv2dBackwardFilter c) {
            String geometry = LibraryCalls.convGeometry(g.node(head.input(0)).type().shape(), dy.size(1), c.kh(), c.kw(),
                    c.stride(), c.padding(), dy);
            return b.addStatement("$T.backwardFilterBias($L, $L, $L, $L, $L, $L, $L)", LibraryCalls.CONV_POOLED, geometry,
                    buffers.field(head.input(0)), size, argmax, dyPooled, out, biasSibling < 0 ? "null" : buffers.field(biasSibling)).build();
        }
        throw new IllegalStateException(head.label() + " (" + head.op().mnemonic() + ") does not expand a pooling gradient");
    }

    /** The recomputed values other than the expanded gradient (those an epilogue loop evaluates). */
    static List<Integer> withoutExpanded(List<Integer> recomputed, int expanded) {
        return recomputed.stream().filter(id -> id != expanded).toList();
    }
}
