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
 * <p>A kernel whose first node is a reduction (a sum or mean) may have a prologue: elementwise nodes
 * evaluated for each element the reduction reads, inside its loop, so their values need no buffer
 * (stored from there only when another kernel reads them). Its epilogue runs once per output.
 *
 * <p>Any kernel may recompute cheap elementwise values another kernel owns (a dropout mask, a one-hot
 * row) from their operands instead of loading them: those are {@code recomputed}, never stored here.
 *
 * @param name       readable name used for generated methods, e.g. {@code k07_conv2d} or {@code k12_add_relu}
 * @param nodes      node ids in order; the last is the root
 * @param phase      which pass computes the kernel
 * @param siblings   reduction nodes computed alongside the anchor, each an output of the kernel
 * @param prologue   elementwise nodes a reduction head reads through, in order (empty for other kernels)
 * @param recomputed values owned by other kernels that this one evaluates from their operands, in order
 */
public record Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings, List<Integer> prologue,
                     List<Integer> recomputed) {

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
        prologue = List.copyOf(prologue);
        recomputed = List.copyOf(recomputed);
        if (nodes.isEmpty()) throw new IllegalArgumentException("kernel " + name + " has no nodes");
    }

    /** A kernel with one output, its root. */
    public Kernel(String name, List<Integer> nodes, Phase phase) {
        this(name, nodes, phase, List.of());
    }

    /** A kernel with sibling outputs and no prologue. */
    public Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings) {
        this(name, nodes, phase, siblings, List.of(), List.of());
    }

    /** The prologue, the nodes, then the sibling reductions: everything the kernel owns (not what it recomputes). */
    public List<Integer> allNodes() {
        if (siblings.isEmpty() && prologue.isEmpty()) return nodes;
        List<Integer> all = new java.util.ArrayList<>(prologue);
        all.addAll(nodes);
        all.addAll(siblings);
        return List.copyOf(all);
    }

    /** The first of {@link #nodes}: an anchor, a reduction or other op, or an elementwise node. */
    public int head() { return nodes.getFirst(); }

    /** The node whose value the kernel writes out. */
    public int root() { return nodes.getLast(); }
}
