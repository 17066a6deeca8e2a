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
            // what a kernel recomputes reads its operands there (a pooling gradient: the argmax and dy)
            for (int id : order.get(i).recomputed())
                for (int in : g.node(id).inputs()) if (storage[in] >= 0) last[storage[in]] = Math.max(last[storage[in]], i);
        }
        for (int out : g.outputs().values()) if (storage[out] >= 0) last[storage[out]] = end;

        java.util.Set<Integer> outputs = new java.util.HashSet<>(); // buffers holding an output, directly or through a view
        for (int out : g.outputs().values()) if (storage[out] >= 0) outputs.add(storage[out]);
        List<Integer> owners = new ArrayList<>();
        for (Kernel k : order) for (int id : k.allNodes()) if (storage[id] == id) owners.add(id);

        List<List<Integer>> viewsOf = new ArrayList<>(java.util.Collections.nCopies(g.size(), null));
        for (int v = 0; v < g.size(); v++) {
            if (storage[v] < 0 || storage[v] == v) continue;
            if (viewsOf.get(storage[v]) == null) viewsOf.set(storage[v], new ArrayList<>());
            viewsOf.get(storage[v]).add(v);
        }

        List<long[]> slotBytes = new ArrayList<>();  // mutable sizes while assigning
        List<DType> slotType = new ArrayList<>();
        List<List<Integer>> slotNodes = new ArrayList<>();
        FreeSlots free = new FreeSlots(slotBytes);
        List<MemoryPlan.Buffer> buffers = new ArrayList<>();
        for (int id : owners) {
            Node n = g.node(id);
            long bytes = Traffic.bytes(n, bindings);
            int first = at[id], lastUse = Math.max(last[id], first);
            free.releaseBefore(first);
            int slot = outputs.contains(id) ? -1 : free.take(n.type().dtype(), bytes);
            if (slot < 0) {
                slot = slotBytes.size();
                slotBytes.add(new long[] {0});
                slotType.add(n.type().dtype());
                slotNodes.add(new ArrayList<>());
            }
            slotBytes.get(slot)[0] = Math.max(slotBytes.get(slot)[0], bytes);
            slotNodes.get(slot).add(id);
            free.busyUntil(slot, n.type().dtype(), lastUse);
            List<Integer> views = viewsOf.get(id) == null ? List.of() : viewsOf.get(id);
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

    /**
     * The slots not in use, by element type, ordered by size (then index): a buffer takes the free slot
     * that fits it most tightly, else grows the largest (the lowest index among equals, either way).
     * A slot is busy until the kernel of its last use has run. Buffers arrive in order of definition,
     * so slots are released in order of their last use: each buffer costs a logarithmic number of steps.
     */
    private static final class FreeSlots {
        private static final Comparator<long[]> BY_SIZE = Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]);
        private final List<long[]> slotBytes;
        private final Map<DType, java.util.TreeSet<long[]>> free = new java.util.EnumMap<>(DType.class); // {bytes, slot}
        private final java.util.PriorityQueue<long[]> busy = new java.util.PriorityQueue<>(Comparator.comparingLong(b -> b[0])); // {last use, slot, dtype}

        FreeSlots(List<long[]> slotBytes) { this.slotBytes = slotBytes; }

        private java.util.TreeSet<long[]> of(DType t) { return free.computeIfAbsent(t, k -> new java.util.TreeSet<>(BY_SIZE)); }

        /** Frees every slot whose last use ran before kernel {@code first}. */
        void releaseBefore(int first) {
            while (!busy.isEmpty() && busy.peek()[0] < first) {
                long[] b = busy.poll();
                int slot = (int) b[1];
                of(DType.values()[(int) b[2]]).add(new long[] {slotBytes.get(slot)[0], slot});
            }
        }

        /** Takes the tightest free slot of this type holding {@code bytes}, else the largest; -1 when none is free. */
        int take(DType type, long bytes) {
            java.util.TreeSet<long[]> set = of(type);
            if (set.isEmpty()) return -1;
            long[] chosen = set.ceiling(new long[] {bytes, -1});
            if (chosen == null) chosen = set.ceiling(new long[] {set.last()[0], -1});
            set.remove(chosen);
            return (int) chosen[1];
        }

        /** Marks {@code slot} in use until kernel {@code lastUse}. */
        void busyUntil(int slot, DType type, int lastUse) {
            busy.add(new long[] {lastUse, slot, type.ordinal()});
        }
    }

    private static long leafBytes(Graph g, Map<String, Integer> bindings) {
        boolean[] live = g.ancestors(g.outputs().values());
        long sum = 0;
        for (Node n : g.nodes()) if (n.isLeaf() && live[n.id()]) sum += Traffic.bytes(n, bindings);
        return sum;
    }

    private static long peakLive(List<MemoryPlan.Buffer> buffers, int end) {
        long[] delta = new long[end + 2];  // a sweep over kernel indices: + at the first use, - after the last
        for (MemoryPlan.Buffer b : buffers) {
            delta[b.first()] += b.bytes();
            delta[b.last() + 1] -= b.bytes();
        }
        long peak = 0, live = 0;
        for (int t = 0; t <= end; t++) {
            live += delta[t];
            peak = Math.max(peak, live);
        }
        return peak;
    }
}
