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
 * A convolution gradient may also recompute the pooling gradient it reads
 * ({@code max_pool_grad_indexed}, which then belongs to no kernel): it expands the pooled gradient
 * where it loads its operand, so the full-size gradient is never stored.
 *
 * <p>A convolution kernel may end in a pooling epilogue, {@code pooled}: a max_pool of the root and
 * its max_pool_argmax, computed from each finished tile; those two are the kernel's outputs, and the
 * root itself (the full-size activation) is never stored.
 *
 * @param name       readable name used for generated methods, e.g. {@code k07_conv2d} or {@code k12_add_relu}
 * @param nodes      node ids in order; the last is the root
 * @param phase      which pass computes the kernel
 * @param siblings   reduction nodes computed alongside the anchor, each an output of the kernel
 * @param prologue   elementwise nodes a reduction head reads through, in order (empty for other kernels)
 * @param recomputed values owned by other kernels that this one evaluates from their operands, in order
 * @param pooled     empty, or the max_pool of the root (and its max_pool_argmax) that a convolution kernel writes instead of the root
 */
public record Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings, List<Integer> prologue,
                     List<Integer> recomputed, List<Integer> pooled) {

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
        pooled = List.copyOf(pooled);
        if (pooled.size() > 2) throw new IllegalArgumentException("kernel " + name + ": a pooling epilogue is a max_pool and perhaps its argmax");
        if (nodes.isEmpty()) throw new IllegalArgumentException("kernel " + name + " has no nodes");
    }

    /** A kernel without a pooling epilogue. */
    public Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings, List<Integer> prologue,
                  List<Integer> recomputed) {
        this(name, nodes, phase, siblings, prologue, recomputed, List.of());
    }

    /** A kernel with one output, its root. */
    public Kernel(String name, List<Integer> nodes, Phase phase) {
        this(name, nodes, phase, List.of());
    }

    /** A kernel with sibling outputs and no prologue. */
    public Kernel(String name, List<Integer> nodes, Phase phase, List<Integer> siblings) {
        this(name, nodes, phase, siblings, List.of(), List.of());
    }

    /** The prologue, the nodes, the pooling epilogue, then the sibling reductions: everything the kernel owns (not what it recomputes). */
    public List<Integer> allNodes() {
        if (siblings.isEmpty() && prologue.isEmpty() && pooled.isEmpty()) return nodes;
        List<Integer> all = new java.util.ArrayList<>(prologue);
        all.addAll(nodes);
        all.addAll(pooled);
        all.addAll(siblings);
        return List.copyOf(all);
    }

    /** The first of {@link #nodes}: an anchor, a reduction or other op, or an elementwise node. */
    public int head() { return nodes.getFirst(); }

    /** The last of {@link #nodes}: the value the kernel writes out, unless a pooling epilogue writes its pooled form instead. */
    public int root() { return nodes.getLast(); }

    /** A copy under another name (plan passes renumber kernels). */
    public Kernel named(String newName) {
        return new Kernel(newName, nodes, phase, siblings, prologue, recomputed, pooled);
    }
}
