package dev.netc.compiler;

import dev.netc.ir.train.OptimizerSpec;

/**
 * How {@link Pipeline} compiles a model.
 *
 * @param fuse          fuse elementwise chains and epilogues into their producers (false: every op its own kernel)
 * @param inference     compile without gradients or update (for evaluation and serving); ignores {@code optimizer}
 * @param optimizer     replaces the train block's optimizer when training; null keeps the train block's
 * @param planningBatch the batch size the memory plan's byte counts are for (the slots do not depend on it)
 */
public record CompileOptions(boolean fuse, boolean inference, OptimizerSpec optimizer, int planningBatch) {

    /** The batch the memory plan is made at when no caller cares about its byte counts. */
    public static final int DEFAULT_PLANNING_BATCH = 64;

    public CompileOptions {
        if (planningBatch < 1) throw new IllegalArgumentException("the planning batch must be positive, got " + planningBatch);
    }

    /** Fused, for training with the train block's optimizer, memory planned at {@link #DEFAULT_PLANNING_BATCH}. */
    public static CompileOptions training() { return new CompileOptions(true, false, null, DEFAULT_PLANNING_BATCH); }

    /** Fused, inference only (no gradients, no update). */
    public static CompileOptions inferenceOnly() { return new CompileOptions(true, true, null, DEFAULT_PLANNING_BATCH); }

    /** The same options, fused or not. */
    public CompileOptions fused(boolean fuse) { return new CompileOptions(fuse, inference, optimizer, planningBatch); }

    /** The same options, training with {@code optimizer} instead of the train block's. */
    public CompileOptions withOptimizer(OptimizerSpec optimizer) {
        return new CompileOptions(fuse, false, optimizer, planningBatch);
    }

    /** The same options with the memory plan made at {@code batch}. */
    public CompileOptions atBatch(int batch) { return new CompileOptions(fuse, inference, optimizer, batch); }
}
