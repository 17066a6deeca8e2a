package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which weight gradients may go straight from their product into the optimizer's update (the Java model's
 * {@code backwardAndUpdate}; not in the unfused baseline): a
 * kernel that is a lone matmul computing a trainable parameter's gradient hands its rows block by block, still in
 * the core's L2, to the update of that parameter ({@code Gemm.sgemmRowBlocks}), so the gradient is never written to
 * memory and read back (the MNIST CNN's dense layer: 12.25 MiB each way a step). The update is elementwise, so
 * updating a block as soon as its gradient is final gives the same bits as updating after the backward pass.
 *
 * <p>A parameter qualifies when nothing else reads its gradient and no kernel after the product reads the parameter
 * (through a reshape too): the product of another gradient reading the old weights ({@code dX = dY W^T}) must
 * come first, as the plan's head order puts it. A pure function of the plan.
 *
 * <p>The update writes the parameter's new values into a second array of its size, which then becomes the
 * parameter's: the lines it stores to are then not ones the step's other products have just read on another core
 * (see the Java model's {@code backwardAndUpdate}). That array is memory the chosen parameters take twice.
 */
public final class UpdateFusion {
    private UpdateFusion() {}

    /** The kernels whose product updates a parameter, each with that parameter's node id, in plan order. */
    public static Map<Kernel, Integer> choose(KernelPlan plan) {
        Graph g = plan.graph();
        List<List<Integer>> users = g.users();
        BufferRole[] roles = BufferRole.of(plan);
        Map<Integer, Integer> parameterOfGradient = new LinkedHashMap<>();
        for (Node p : g.trainableParameters()) g.gradientOf(p.id()).ifPresent(grad -> parameterOfGradient.put(grad, p.id()));
        Map<Kernel, Integer> chosen = new LinkedHashMap<>();
        List<Kernel> kernels = plan.kernels();
        for (int k = 0; k < kernels.size(); k++) {
            Kernel kernel = kernels.get(k);
            Integer parameter = parameterOfGradient.get(kernel.root());
            if (parameter == null || kernel.phase() != Kernel.Phase.BACKWARD || !isLoneProduct(g, kernel)) continue;
            if (!users.get(kernel.root()).isEmpty() || roles[kernel.root()] != BufferRole.COMPUTED) continue;
            BitSet views = viewsOf(g, parameter);
            boolean readLater = false;
            for (Kernel later : kernels.subList(k, kernels.size())) readLater |= reads(g, later, views);
            if (!readLater) chosen.put(kernel, parameter);
        }
        return chosen;
    }

    /** A matmul alone: no epilogue, sibling, prologue, pooling or recomputed value. */
    private static boolean isLoneProduct(Graph g, Kernel k) {
        return k.nodes().size() == 1 && k.siblings().isEmpty() && k.prologue().isEmpty() && k.recomputed().isEmpty()
                && k.pooled().isEmpty() && g.node(k.head()).op() instanceof Op.MatMul
                && g.node(k.head()).type().shape().isFullyKnown();
    }

    /** The parameter and every reshape of it (an alias of its array, or read through by a kernel), by id. */
    private static BitSet viewsOf(Graph g, int parameter) {
        BitSet views = new BitSet(g.size());
        views.set(parameter);
        for (Node n : g.nodes())
            if (n.op() instanceof Op.Reshape && views.get(n.input(0))) views.set(n.id());
        return views;
    }

    private static boolean reads(Graph g, Kernel k, BitSet views) {
        List<Integer> computed = new ArrayList<>(k.allNodes());
        computed.addAll(k.recomputed());
        for (int id : computed) for (int in : g.node(id).inputs()) if (views.get(in)) return true;
        return false;
    }
}
