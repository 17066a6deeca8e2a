package dev.netc.ir.plan;

import dev.netc.ir.DType;
import java.util.List;

/**
 * Where the values of a {@link KernelPlan} live during one training step, at one batch size: the
 * output of {@link MemoryPlanner#plan}. Every buffer is assigned a {@link Slot}; buffers whose
 * lifetimes do not overlap share a slot, and a slot is as large as its largest buffer. Leaves
 * (inputs, parameters, constants) are not shared and are counted apart.
 *
 * @param batch          the batch size the byte counts are for
 * @param order          the kernels in execution order (predict, then loss, then backward)
 * @param buffers        one entry per computed value with storage, in execution order of definition
 * @param slots          the shared storage; a buffer's {@code slot} indexes this list
 * @param leafBytes      inputs, parameters and constants, held for the whole step
 * @param peakLiveBytes  the largest sum of simultaneously live buffers: a lower bound for any assignment
 */
public record MemoryPlan(int batch, List<Kernel> order, List<Buffer> buffers, List<Slot> slots, long leafBytes,
                         long peakLiveBytes) {

    public MemoryPlan {
        order = List.copyOf(order);
        buffers = List.copyOf(buffers);
        slots = List.copyOf(slots);
    }

    /**
     * One computed value that needs storage.
     *
     * @param node    its node id
     * @param dtype   element type (slots never mix element types)
     * @param bytes   its size at the plan's batch
     * @param first   index in {@link #order()} of the kernel that writes it
     * @param last    index of the last kernel that reads it; {@code order().size()} for graph outputs,
     *                which must survive the step
     * @param slot    index into {@link #slots()}
     * @param views   ids of lone-reshape nodes that are views of this buffer (their readers count as readers)
     */
    public record Buffer(int node, DType dtype, long bytes, int first, int last, int slot, List<Integer> views) {
        public Buffer { views = List.copyOf(views); }

        /** True when the two lifetimes share a kernel (inclusive ends, so a kernel's inputs and output never share). */
        public boolean overlaps(Buffer other) { return first <= other.last && other.first <= last; }
    }

    /**
     * Storage shared by buffers with disjoint lifetimes.
     *
     * @param index  position in {@link #slots()}
     * @param dtype  element type of every member
     * @param bytes  the largest member
     * @param nodes  node ids of the members, in order of first use
     */
    public record Slot(int index, DType dtype, long bytes, List<Integer> nodes) {
        public Slot { nodes = List.copyOf(nodes); }
    }

    /** Bytes of all shared slots: the activation memory with reuse. */
    public long arenaBytes() { return slots.stream().mapToLong(Slot::bytes).sum(); }

    /** Bytes the buffers would take with no reuse, each its own allocation. */
    public long unsharedBytes() { return buffers.stream().mapToLong(Buffer::bytes).sum(); }

    /** Peak memory of a step with this plan: leaves plus the shared slots. */
    public long peakBytes() { return leafBytes + arenaBytes(); }

    /** Peak memory with no buffer reuse, for comparison. */
    public long peakBytesWithoutReuse() { return leafBytes + unsharedBytes(); }

    /** The slot of node {@code id}'s buffer (following views to their buffer), or -1 when it has none. */
    public int slotOf(int id) {
        for (Buffer b : buffers) if (b.node() == id || b.views().contains(id)) return b.slot();
        return -1;
    }

    /** {@link #slotOf} for every node id below {@code nodeCount} at once, in one pass over the buffers. */
    public int[] slotsByNode(int nodeCount) {
        int[] slot = new int[nodeCount];
        java.util.Arrays.fill(slot, -1);
        for (int i = buffers.size() - 1; i >= 0; i--) { // the first buffer naming a node wins, as in slotOf
            Buffer b = buffers.get(i);
            for (int v : b.views()) slot[v] = b.slot();
            slot[b.node()] = b.slot();
        }
        return slot;
    }
}
