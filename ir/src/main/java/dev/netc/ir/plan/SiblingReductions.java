package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.OpPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Explains the horizontal fusion the planner does not do: a reduction (e.g. the bias gradient
 * {@code sum_to(dy)}) that reads the same value as an anchor (e.g. the weight gradient
 * {@code matmul(x, dy, transpose_a)} or {@code conv2d_backward_filter(x, dy)}). Both make a pass over
 * {@code dy}, and in principle one pass could produce both results; but a {@link Kernel} writes one
 * root value, and the anchors' library kernels have no second, reduced output. So the candidate is
 * reported with its reason instead.
 */
final class SiblingReductions {
    private SiblingReductions() {}

    /** One decision per (reduction, shared operand) pair with an anchor sibling in the same phase. */
    static List<FusionDecision> explain(Graph g, Node reduction, List<List<Integer>> liveUsers, Kernel.Phase[] phase) {
        if (reduction.op().pattern() != OpPattern.REDUCTION) return List.of();
        List<FusionDecision> out = new ArrayList<>();
        for (int operand : reduction.inputs().stream().distinct().toList()) {
            List<String> anchors = new ArrayList<>();
            for (int sibling : liveUsers.get(operand)) {
                Node s = g.node(sibling);
                if (sibling != reduction.id() && FuseOps.isAnchor(s) && phase[sibling] == phase[reduction.id()])
                    anchors.add(s.label() + " (" + s.op().mnemonic() + ")");
            }
            if (anchors.isEmpty()) continue;
            out.add(new FusionDecision(reduction.id(), reduction.op().mnemonic() + " reads " + g.node(operand).label()
                    + " like anchor " + String.join(" and ", anchors) + ", but a kernel writes one value and an anchor"
                    + " has no reduced second output, so it stays a separate pass (no multi-output fusion)"));
        }
        return out;
    }
}
