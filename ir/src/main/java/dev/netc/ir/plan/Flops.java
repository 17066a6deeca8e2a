package dev.netc.ir.plan;

import dev.netc.ir.Gather;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A floating-point operation count per kernel, for the roofline in {@code netc bench --profile}: a
 * multiply-add is two operations (matmul 2MNK; a convolution and each of its gradients 2 x outputs x
 * C x KH x KW), an elementwise op one per element, a reduction one per element read, a softmax row
 * about four per element, a pooling window one per cell read; layout ops none. A model of the work,
 * not a count of instructions: activations that cost tens of instructions count as one.
 */
public final class Flops {
    private Flops() {}

    /** Operations of every kernel of the plan, in plan order, with every symbolic dimension bound to batch. */
    public static List<Long> of(KernelPlan plan, int batch) {
        Graph g = plan.graph();
        Map<String, Integer> bindings = Traffic.bindings(g, batch);
        List<Long> out = new ArrayList<>(plan.kernels().size());
        for (Kernel k : plan.kernels()) {
            long total = 0;
            for (int id : k.allNodes()) total += of(g, g.node(id), bindings);
            for (int id : k.recomputed()) total += of(g, g.node(id), bindings);
            out.add(total);
        }
        return out;
    }

    /** Operations of one node. */
    static long of(Graph g, Node n, Map<String, Integer> bindings) {
        long y = n.type().shape().elementCount(bindings);
        return switch (n.op()) {
            case Op.Leaf leaf -> 0;
            case Op.Elementwise e -> y;
            case Op.Layout l -> 0;
            case Op.Anchor a -> switch (a) {
                case Op.MatMul m -> {
                    Shape lhs = g.node(n.input(0)).type().shape();
                    long inner = lhs.dim(m.transposeA() ? 0 : 1).isKnown() ? lhs.size(m.transposeA() ? 0 : 1)
                            : (long) bindings.values().iterator().next();
                    yield 2 * y * inner;
                }
                case Op.Conv2d c -> 2 * y * patch(g.node(n.input(1)).type().shape());
                // dx[n,c,h,w] gathers from F x KH x KW outputs: the same multiply-adds as the forward pass
                case Op.Conv2dBackwardData c -> 2 * g.node(n.input(0)).type().shape().elementCount(bindings)
                        * patch(g.node(n.input(1)).type().shape());
                case Op.Conv2dBackwardFilter c -> 2 * g.node(n.input(1)).type().shape().elementCount(bindings)
                        * patch(n.type().shape());
                case Op.MaxPoolGrad p -> g.node(n.input(1)).type().shape().elementCount(bindings) * p.size() * p.size();
                case Op.AvgPoolGrad p -> g.node(n.input(0)).type().shape().elementCount(bindings) * p.size() * p.size();
                case Op.MaxPoolGradIndexed p -> y; // one compare per cell
            };
            case Op.Reduction r -> switch (r) {
                case Op.MaxPool p -> y * p.size() * p.size();
                case Op.MaxPoolArgmax p -> y * p.size() * p.size();
                case Op.AvgPool p -> y * p.size() * p.size();
                case Op.Softmax s -> 4 * y;
                case Op.LogSoftmax s -> 4 * y;
                case Op.LayerNorm l -> 6 * y;
                case Op.LayerNormGrad l -> 10 * y;
                case Op.Reduce red -> g.node(n.input(0)).type().shape().elementCount(bindings);
                case Op.SumTo s -> g.node(n.input(0)).type().shape().elementCount(bindings);
                case Op.Argmax a -> g.node(n.input(0)).type().shape().elementCount(bindings);
                // one add per element of dy, scattered into the table's rows
                case Gather.Grad s -> g.node(n.input(1)).type().shape().elementCount(bindings);
            };
        };
    }

    /** C x KH x KW of a [F, C, KH, KW] filter. */
    private static long patch(Shape w) { return (long) w.size(1) * w.size(2) * w.size(3); }
}
