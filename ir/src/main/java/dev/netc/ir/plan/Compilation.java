package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;

/**
 * Everything the compile pipeline decided about one model, the one value every backend and report
 * starts from: the graph (with its gradients recorded in {@link Graph#gradients()} when it trains),
 * the optimizer, the kernel plan, why fusion candidates were rejected, and the memory plan. Built by
 * {@code dev.netc.compiler.Pipeline}; code generators only render it.
 *
 * @param plan      the kernels, fused or one op each; {@link #graph()} is its graph
 * @param optimizer the update rule, or null for an inference-only model (no {@code update})
 * @param fused     whether {@link #plan} was fused (false: the unfused baseline)
 * @param rejected  the fusion candidates that were rejected, with reasons (empty when unfused)
 * @param memory    the memory plan of {@link #plan} at the planning batch ({@link MemoryPlan#batch()})
 * @param model     the graph as differentiation made it, before the rewrites a fused plan makes
 *                  ({@code PoolingRewrite}): what the model is, fused or not (a checkpoint's model
 *                  hash covers it); computes what {@link #graph()} computes
 */
public record Compilation(KernelPlan plan, OptimizerSpec optimizer, boolean fused, List<FusionDecision> rejected,
                          MemoryPlan memory, Graph model) {

    public Compilation {
        if (plan == null || memory == null) throw new IllegalArgumentException("a compilation needs a kernel plan and a memory plan");
        if (model == null) model = plan.graph();
        rejected = List.copyOf(rejected);
        if (!fused && !rejected.isEmpty()) throw new IllegalArgumentException("an unfused plan rejects no fusion candidates");
    }

    /** A compilation whose plan covers the model's graph itself (no rewrite before planning). */
    public Compilation(KernelPlan plan, OptimizerSpec optimizer, boolean fused, List<FusionDecision> rejected, MemoryPlan memory) {
        this(plan, optimizer, fused, rejected, memory, plan.graph());
    }

    /** The graph the plan covers: the forward graph, plus the backward pass when the model trains. */
    public Graph graph() { return plan.graph(); }

    /** Whether the model is compiled with an update rule. */
    public boolean trains() { return optimizer != null; }

    /** The plan and its rejected candidates, as {@code netc fusion} prints them. */
    public FusionResult fusion() { return new FusionResult(plan, rejected); }

    /** The batch size the memory plan's byte counts are for. */
    public int planningBatch() { return memory.batch(); }
}
