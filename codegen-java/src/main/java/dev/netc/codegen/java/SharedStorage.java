package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;

import dev.netc.ir.Graph;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlan;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies the memory planner's slots to the generated class: computed buffers whose lifetimes
 * do not overlap share one array, allocated by the first member and as large as the largest. The
 * slot assignment does not depend on the batch (liveness does not), so it is planned once at a
 * representative batch and sized symbolically; graph outputs never share (the planner keeps them
 * apart), so every array a caller sees by name has exactly its size.
 */
final class SharedStorage {
    /** Any positive batch gives the same slots; this one only breaks ties between sizes. */
    static final int PLANNING_BATCH = 64;

    private final Graph graph;
    private final MemoryPlan memory;
    private final int[] slotOf;

    /** @param memory the memory plan of {@code plan} (at any batch: the slots do not depend on it) */
    SharedStorage(KernelPlan plan, MemoryPlan memory) {
        this.graph = plan.graph();
        this.memory = memory;
        this.slotOf = memory.slotsByNode(graph.size());
    }

    /** The slot of node {@code id}'s buffer, or -1 when it has none. */
    int slot(int id) { return slotOf[id]; }

    /** The slot members of node {@code id} when it shares storage with others, else an empty list. */
    List<Integer> sharing(int id) {
        int slot = slotOf[id];
        if (slot < 0) return List.of();
        List<Integer> nodes = memory.slots().get(slot).nodes();
        return nodes.size() > 1 ? nodes : List.of();
    }

    /** The element count of the largest member, as a Java int expression in {@code batch}. */
    String size(List<Integer> members) {
        Set<String> sizes = new LinkedHashSet<>();
        for (int id : members) sizes.add(SizeExpr.count(graph.node(id).type().shape()).toString());
        String expr = null;
        for (String s : sizes) expr = expr == null ? s : "Math.max(" + expr + ", " + s + ")";
        return expr;
    }

    /** The memory plan behind the sharing (for reports). */
    MemoryPlan memory() { return memory; }
}
