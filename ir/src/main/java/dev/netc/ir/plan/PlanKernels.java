package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import java.util.ArrayList;
import java.util.List;

/** Builds the simplest kernel plan: one kernel per live computed node. */
public final class PlanKernels {
    private PlanKernels() {}

    /** Every live non-leaf node its own kernel, in topological order, phases by reachability from the outputs. */
    public static KernelPlan unfused(Graph g) {
        Kernel.Phase[] phase = Phases.of(g);
        List<Node> live = g.nodes().stream().filter(n -> !n.isLeaf() && phase[n.id()] != null).toList();
        List<Kernel> kernels = new ArrayList<>(live.size());
        for (Node n : live) {
            List<Integer> nodes = List.of(n.id());
            kernels.add(new Kernel(Phases.kernelName(g, kernels.size(), live.size(), nodes), nodes, phase[n.id()]));
        }
        return new KernelPlan(g, kernels);
    }
}
