package dev.netc.ir.plan;

import java.util.List;

/** A fused plan and the fusion candidates that were rejected, with reasons. */
public record FusionResult(KernelPlan plan, List<FusionDecision> rejected) {
    public FusionResult { rejected = List.copyOf(rejected); }
}
