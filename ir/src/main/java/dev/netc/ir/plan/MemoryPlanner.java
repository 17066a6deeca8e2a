package dev.netc.ir.plan;

import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Assigns storage to the buffers of a kernel plan by liveness (a pure function of the plan and a
 * batch size). Kernels run predict, then loss, then backward, each phase in plan order; a buffer
 * lives from the kernel that writes it to the last kernel that reads it (graph outputs to the end
 * of the step, since the caller and the optimizer read them). Lone reshapes are views and extend
 * their operand's lifetime instead of taking storage.
 *
 * <p>Assignment is greedy in order of definition, by size class: a new buffer takes the free slot of
 * its element type that fits it most tightly, else grows the largest free slot, else opens a slot.
 * Freed slots become free after the kernel of the buffer's last use, never during it, so a kernel
 * never reads and writes the same storage. Graph outputs always get a slot of their own: callers
 * read them by name and expect an array of exactly their size, and they live to the end anyway.
 */
public final class MemoryPlanner {
    private MemoryPlanner() {}

    /** The memory plan of {@code plan} with every symbolic dimension bound to {@code batch}. */
    public static MemoryPlan plan(KernelPlan plan, int batch) {
        Graph g = plan.graph();
        Map<String, Integer> bindings = Traffic.bindings(g, batch);
        List<Kernel> order = executionOrder(plan);
        int end = order.size();
        boolean[] materialized = plan.materialized();

        int[] at = new int[g.size()];            // execution index of the kernel computing each node
        Arrays.fill(at, -1);
        int[] storage = new int[g.size()];       // the node whose buffer holds each node's value (views follow)
        Arrays.fill(storage, -1);
        for (int i = 0; i < order.size(); i++) {
            Kernel k = order.get(i);
            for (int id : k.allNodes()) at[id] = i;
            if (Traffic.isView(g, k)) {
                int operand = g.node(k.root()).input(0);
                storage[k.root()] = storage[operand]; // -1 when it views a leaf
            } else {
                for (int id : k.allNodes()) if (materialized[id]) storage[id] = id;
            }
        }

        int[] last = new int[g.size()];
        Arrays.fill(last, -1);
        for (int i = 0; i < order.size(); i++) {
            for (int id : order.get(i).allNodes())
                for (int in : g.node(id).inputs()) if (storage[in] >= 0) last[storage[in]] = Math.max(last[storage[in]], i);
        }
        for (int out : g.outputs().values()) if (storage[out] >= 0) last[storage[out]] = end;

        java.util.Set<Integer> outputs = new java.util.HashSet<>(); // buffers holding an output, directly or through a view
        for (int out : g.outputs().values()) if (storage[out] >= 0) outputs.add(storage[out]);
        List<Integer> owners = new ArrayList<>();
        for (Kernel k : order) for (int id : k.allNodes()) if (storage[id] == id) owners.add(id);

        List<long[]> slotBytes = new ArrayList<>();  // mutable sizes while assigning
        List<DType> slotType = new ArrayList<>();
        List<List<Integer>> slotNodes = new ArrayList<>();
        List<Integer> freeAfter = new ArrayList<>(); // a slot is free for a buffer defined after this index
        List<MemoryPlan.Buffer> buffers = new ArrayList<>();
        for (int id : owners) {
            Node n = g.node(id);
            long bytes = Traffic.bytes(n, bindings);
            int first = at[id], lastUse = Math.max(last[id], first);
            int slot = outputs.contains(id) ? -1 : chooseSlot(n.type().dtype(), bytes, first, slotBytes, slotType, freeAfter);
            if (slot < 0) {
                slot = slotBytes.size();
                slotBytes.add(new long[] {0});
                slotType.add(n.type().dtype());
                slotNodes.add(new ArrayList<>());
                freeAfter.add(-1);
            }
            slotBytes.get(slot)[0] = Math.max(slotBytes.get(slot)[0], bytes);
            slotNodes.get(slot).add(id);
            freeAfter.set(slot, lastUse);
            List<Integer> views = new ArrayList<>();
            for (int v = 0; v < g.size(); v++) if (storage[v] == id && v != id) views.add(v);
            buffers.add(new MemoryPlan.Buffer(id, n.type().dtype(), bytes, first, lastUse, slot, views));
        }

        List<MemoryPlan.Slot> slots = new ArrayList<>();
        for (int s = 0; s < slotBytes.size(); s++)
            slots.add(new MemoryPlan.Slot(s, slotType.get(s), slotBytes.get(s)[0], slotNodes.get(s)));
        return new MemoryPlan(batch, order, buffers, slots, leafBytes(g, bindings), peakLive(buffers, end));
    }

    /** The order the kernels run in one training step: predict, loss, then backward kernels, each in plan order. */
    public static List<Kernel> executionOrder(KernelPlan plan) {
        return plan.kernels().stream().sorted(Comparator.comparing(Kernel::phase)).toList();
    }

    private static int chooseSlot(DType type, long bytes, int first, List<long[]> slotBytes, List<DType> slotType,
                                  List<Integer> freeAfter) {
        int tightest = -1, largest = -1;
        for (int s = 0; s < slotBytes.size(); s++) {
            if (slotType.get(s) != type || freeAfter.get(s) >= first) continue;
            long size = slotBytes.get(s)[0];
            if (size >= bytes && (tightest < 0 || size < slotBytes.get(tightest)[0])) tightest = s;
            if (largest < 0 || size > slotBytes.get(largest)[0]) largest = s;
        }
        return tightest >= 0 ? tightest : largest;
    }

    private static long leafBytes(Graph g, Map<String, Integer> bindings) {
        boolean[] live = g.ancestors(g.outputs().values());
        long sum = 0;
        for (Node n : g.nodes()) if (n.isLeaf() && live[n.id()]) sum += Traffic.bytes(n, bindings);
        return sum;
    }

    private static long peakLive(List<MemoryPlan.Buffer> buffers, int end) {
        long peak = 0;
        for (int t = 0; t <= end; t++) {
            long live = 0;
            for (MemoryPlan.Buffer b : buffers) if (b.first() <= t && t <= b.last()) live += b.bytes();
            peak = Math.max(peak, live);
        }
        return peak;
    }
}
