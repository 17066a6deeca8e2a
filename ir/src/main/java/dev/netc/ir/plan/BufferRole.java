package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.OpPattern;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which values of a kernel plan need storage, and of what kind. Every backend asks the same question
 * (a Java field, a device buffer), so the rule lives with the plan and each backend only names and
 * allocates what this returns.
 */
public enum BufferRole {
    /** Fed by the caller every batch. */ INPUT,
    /** Lives as long as the model. */ PARAMETER,
    /** A constant some kernel reads from memory (elementwise kernels inline constants as literals). */ CONSTANT,
    /** Written by a kernel and read by another kernel or the caller. */ COMPUTED,
    /** A materialised reshape: the same storage as its operand. */ ALIAS;

    /** The role of every node of the plan's graph, indexed by node id; null where a value needs no storage. */
    public static BufferRole[] of(KernelPlan plan) {
        Graph graph = plan.graph();
        int[] kernelOf = plan.kernelIndexByNode();
        boolean[] materialized = plan.materialized();
        Set<Integer> outputs = new HashSet<>(graph.outputs().values());
        List<List<Integer>> users = graph.users();
        BufferRole[] roles = new BufferRole[graph.size()];
        for (Node n : graph.nodes()) {
            roles[n.id()] = switch (n.op()) {
                case Op.Input in -> INPUT;
                case Op.Parameter p -> PARAMETER;
                case Op.Constant c -> outputs.contains(n.id()) || users.get(n.id()).stream()
                        .anyMatch(u -> kernelOf[u] >= 0 && !inlinesOperands(graph.node(u))) ? CONSTANT : null;
                case Op.Reshape r -> materialized[n.id()] ? ALIAS : null;
                default -> kernelOf[n.id()] >= 0 && materialized[n.id()] ? COMPUTED : null;
            };
        }
        return roles;
    }

    /**
     * True for ops printed as scalar expressions of one element, which read constants as literals:
     * elementwise ops, and one-hot (an injective op whose element is a comparison of one loaded index).
     */
    public static boolean inlinesOperands(Node n) {
        return n.op().pattern() == OpPattern.ELEMWISE || n.op().pattern() == OpPattern.BROADCAST
                || n.op() instanceof Op.OneHot;
    }
}
