package dev.netc.codegen.core;

import dev.netc.ir.Graph;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlan;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The memory planner's slots as both backends apply them: computed buffers whose lifetimes do not
 * overlap share one array (Java) or one device allocation (CUDA), allocated by the first member and
 * as large as the largest. The
 * slot assignment does not depend on the batch (liveness does not), so it is planned once at a
 * representative batch and sized symbolically; graph outputs never share (the planner keeps them
 * apart), so every array a caller sees by name has exactly its size.
 */
public final class StorageSlots {
    /** Any positive batch gives the same slots; this one only breaks ties between sizes. */
    public static final int PLANNING_BATCH = 64;

    private final Graph graph;
    private final MemoryPlan memory;
    private final int[] slotOf;

    /** @param memory the memory plan of {@code plan} (at any batch: the slots do not depend on it) */
    public StorageSlots(KernelPlan plan, MemoryPlan memory) {
        this.graph = plan.graph();
        this.memory = memory;
        this.slotOf = memory.slotsByNode(graph.size());
    }

    /** The slot of node {@code id}'s buffer, or -1 when it has none. */
    public int slot(int id) { return slotOf[id]; }

    /** The slot members of node {@code id} when it shares storage with others, else an empty list. */
    public List<Integer> sharing(int id) {
        int slot = slotOf[id];
        if (slot < 0) return List.of();
        List<Integer> nodes = memory.slots().get(slot).nodes();
        return nodes.size() > 1 ? nodes : List.of();
    }

    /** The element count of the largest member, as an int expression in {@code batch} spelled in a dialect. */
    public String size(List<Integer> members, Dialect dialect) {
        Set<String> sizes = new LinkedHashSet<>();
        for (int id : members) sizes.add(SizeExpr.count(graph.node(id).type().shape()).toString());
        String expr = null;
        for (String s : sizes) expr = expr == null ? s : dialect.max(expr, s, false);
        return expr;
    }

    /**
     * The element count of the largest member as one product, when every member has the same power of
     * the batch (so one is the largest at every batch size); empty otherwise.
     */
    public java.util.Optional<SizeExpr> largest(List<Integer> members) {
        SizeExpr best = null;
        for (int id : members) {
            SizeExpr s = SizeExpr.count(graph.node(id).type().shape());
            if (best != null && s.batchPower() != best.batchPower()) return java.util.Optional.empty();
            if (best == null || s.known() > best.known()) best = s;
        }
        return java.util.Optional.ofNullable(best);
    }

    /** The memory plan behind the sharing (for reports). */
    public MemoryPlan memory() { return memory; }
}
