package dev.netc.ir.plan;

import java.util.List;

/**
 * One unit of generated code: a few graph nodes computed together. The nodes are ids in topological
 * order; the last one is the root, whose value the kernel writes out. Either every node is
 * elementwise (ELEMWISE/BROADCAST, one loop with the whole expression inlined), or the first node is
 * an anchor (any other op, e.g. a matmul) and the rest form an elementwise epilogue applied in one pass.
 *
 * <p>A kernel whose first node is an anchor may also carry sibling reductions: reductions (e.g. a bias
 * gradient {@code sum_to(dy)}) of a value the anchor reads too, computed in the same kernel and each
 * written to a buffer of its own (multi-output fusion). They read only what the anchor reads.
 *
 * @param name     readable name used for generated methods, e.g. {@code k07_conv2d} or {@code k12_add_relu}
 * @param nodes    node ids in order; the last is the root
 * @param phase    which pass computes the kernel
 * @param siblings reduction nodes computed alongside the anchor, each an output of the kernel
 */
public record Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings) {

    /** When a kernel runs: for inference, additionally for the loss, or in the backward pass. */
    public enum Phase {
        /** Needed for the model outputs (predict and forward). */
        PREDICT,
        /** Additionally needed for the "loss" output (forward only). */
        LOSS,
        /** Gradient nodes (backward). */
        BACKWARD
    }

    public Kernel {
        nodes = List.copyOf(nodes);
        siblings = List.copyOf(siblings);
        if (nodes.isEmpty()) throw new IllegalArgumentException("kernel " + name + " has no nodes");
    }

    /** A kernel with one output, its root. */
    public Kernel(String name, List<Integer> nodes, Phase phase) {
        this(name, nodes, phase, List.of());
    }

    /** The nodes, then the sibling reductions: everything the kernel computes. */
    public List<Integer> allNodes() {
        if (siblings.isEmpty()) return nodes;
        List<Integer> all = new java.util.ArrayList<>(nodes);
        all.addAll(siblings);
        return List.copyOf(all);
    }

    /** The node whose value the kernel writes out. */
    public int root() { return nodes.getLast(); }
}
