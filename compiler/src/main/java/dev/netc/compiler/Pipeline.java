package dev.netc.compiler;

import dev.netc.autodiff.Autodiff;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.FusionResult;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlanner;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.plan.PoolingRewrite;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.util.List;

/**
 * The one compile pipeline every backend, report and command goes through: checked model ->
 * gradients (autodiff, recorded in {@link Graph#gradients()}) -> kernel plan (fused or one op each,
 * with every rejected fusion candidate) -> memory plan, as one {@link Compilation}. This is the only
 * place that runs {@link Autodiff}, {@link FuseOps}, {@link PlanKernels} and {@link MemoryPlanner}
 * for a backend; backends render what it decided and infer nothing from output names. A fused
 * compilation plans the graph after {@link PoolingRewrite} (the same reference semantics, pooling
 * gradients by argmax), an unfused one the graph autodiff made.
 */
public final class Pipeline {
    private Pipeline() {}

    /**
     * Compiles a checked model: for training (its train block's optimizer, or {@link CompileOptions#optimizer()})
     * or, with {@link CompileOptions#inference()}, for inference only.
     *
     * @throws IllegalArgumentException when training is asked for a model without a train block (no loss)
     */
    public static Compilation compile(CheckedModel model, CompileOptions options) {
        return compile(graph(model, options), optimizer(model, options), options);
    }

    /**
     * The graph {@link #compile(CheckedModel, CompileOptions)} plans, without planning it: the forward
     * graph, plus the backward pass when training ({@code netc ir --grad}, {@code netc graph --grad}).
     *
     * @throws IllegalArgumentException when training is asked for a model without a train block (no loss)
     */
    public static Graph graph(CheckedModel model, CompileOptions options) {
        return withGradients(model.graph(), optimizer(model, options));
    }

    /**
     * Compiles a graph that does not come from a checked model (tests, benchmarks).
     *
     * @param graph     a forward graph with a {@code loss} output when it trains, or a graph that already
     *                  records its gradients (it is then planned as it is)
     * @param optimizer the update rule, or null for a model without update: the graph is planned as it is
     * @param options   fusion and planning batch ({@link CompileOptions#inference()} and
     *                  {@link CompileOptions#optimizer()} are for checked models and not read here)
     */
    public static Compilation compile(Graph graph, OptimizerSpec optimizer, CompileOptions options) {
        // every output reachable by a name of its own, even one an input or parameter also has
        Graph g = OutputBuffers.expose(withGradients(graph, optimizer));
        // the pooling rewrites serve the fused plan only: the unfused plan stays the graph autodiff made
        FusionResult fusion = options.fuse() ? FuseOps.analyze(PoolingRewrite.apply(g)) : new FusionResult(PlanKernels.unfused(g), List.of());
        KernelPlan plan = fusion.plan();
        return new Compilation(plan, optimizer, options.fuse(), fusion.rejected(), MemoryPlanner.plan(plan, options.planningBatch()), g);
    }

    /** The optimizer a compilation of {@code model} uses, or null for inference. */
    private static OptimizerSpec optimizer(CheckedModel model, CompileOptions options) {
        if (options.inference()) return null;
        TrainSpec spec = model.train().orElseThrow(() -> new IllegalArgumentException(
                "model '" + model.name() + "' has no train block, so nothing to train: compile it for inference"));
        return options.optimizer() != null ? options.optimizer() : spec.optimizer();
    }

    /**
     * The graph with its backward pass when it trains: differentiated unless it already records gradients
     * or has no trainable parameter.
     */
    private static Graph withGradients(Graph g, OptimizerSpec optimizer) {
        if (optimizer == null || !g.gradients().isEmpty() || g.trainableParameters().isEmpty()) return g;
        return Autodiff.differentiate(g);
    }
}
