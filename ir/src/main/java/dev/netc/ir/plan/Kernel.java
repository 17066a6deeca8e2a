package dev.netc.ir.plan;

import java.util.List;

/**
 * One unit of generated code: a few graph nodes computed together. The nodes are ids in topological
 * order; the last one is the root, whose value the kernel writes out. Either every node is
 * elementwise (ELEMWISE/BROADCAST, one loop with the whole expression inlined), or the first node is
 * an anchor (any other op, e.g. a matmul) and the rest form an elementwise epilogue applied in one pass.
 *
 * @param name  readable name used for generated methods, e.g. {@code k07_conv2d} or {@code k12_add_relu}
 * @param nodes node ids in order; the last is the root
 * @param phase which pass computes the kernel
 */
public record Kernel(String name, List<Integer> nodes, Phase phase) {

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
        if (nodes.isEmpty()) throw new IllegalArgumentException("kernel " + name + " has no nodes");
    }

    /** The node whose value the kernel writes out. */
    public int root() { return nodes.getLast(); }
}
