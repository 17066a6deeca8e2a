package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import java.util.Arrays;
import java.util.List;

/**
 * A graph cut into kernels, in execution order. Shared by the code generators: a renderer walks the
 * kernels, the plan tells it which values live in buffers and which stay inside one kernel.
 */
public record KernelPlan(Graph graph, List<Kernel> kernels) {

    public KernelPlan {
        kernels = List.copyOf(kernels);
    }

    /** For each node id, the index of the kernel computing it, or -1 for leaves and dead nodes. */
    public int[] kernelIndexByNode() {
        int[] index = new int[graph.size()];
        Arrays.fill(index, -1);
        for (int k = 0; k < kernels.size(); k++)
            for (int id : kernels.get(k).allNodes()) index[id] = k;
        return index;
    }

    /**
     * Which computed nodes need a buffer of their own: kernel roots and siblings, graph outputs, and values read by
     * another kernel. Leaves are not covered (every backend decides how to hold them).
     */
    public boolean[] materialized() {
        int[] kernelOf = kernelIndexByNode();
        boolean[] needs = new boolean[graph.size()];
        for (Kernel k : kernels) {
            if (k.pooled().isEmpty()) needs[k.root()] = true;
            for (int p : k.pooled()) needs[p] = true;
            for (int s : k.siblings()) needs[s] = true;
            // a row op in a reduction's prologue (a softmax) writes its row, which the reduction then reads
            for (int p : k.prologue()) if (!BufferRole.inlinesOperands(graph.node(p))) needs[p] = true;
        }
        for (int id : graph.outputs().values()) if (kernelOf[id] >= 0) needs[id] = true;
        // a recomputed value that no kernel owns (a pooling gradient expanded by its readers) reads its
        // operands in each reader
        for (Kernel k : kernels)
            for (int r : k.recomputed())
                if (kernelOf[r] < 0) for (int in : graph.node(r).inputs()) if (kernelOf[in] >= 0) needs[in] = true;
        for (Node n : graph.nodes()) {
            if (kernelOf[n.id()] < 0) continue; // leaves read nothing; dead nodes are never computed
            Kernel reader = kernels.get(kernelOf[n.id()]);
            for (int in : n.inputs())
                if (kernelOf[in] >= 0 && kernelOf[n.id()] != kernelOf[in] && !reader.recomputed().contains(in)) needs[in] = true;
        }
        return needs;
    }

    /** The kernels of one phase, in order. */
    public List<Kernel> kernels(Kernel.Phase phase) {
        return kernels.stream().filter(k -> k.phase() == phase).toList();
    }

    /** True when the kernel needs no code: a lone reshape, whose buffer aliases its operand's ({@link BufferRole#ALIAS}). */
    public boolean isAlias(Kernel k) {
        return k.nodes().size() == 1 && graph.node(k.root()).op() instanceof dev.netc.ir.Op.Reshape;
    }

    @Override public String toString() { return PlanPrinter.print(this); }
}
