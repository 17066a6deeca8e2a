package dev.netc.runtime.distributed;

import java.lang.foreign.MemorySegment;

/**
 * The processes of one data-parallel job and the collective operations training needs: in-place
 * allreduce (sum) of float and double buffers, broadcast from a root, barrier. Every process calls the
 * same operations in the same order with the same sizes (the training loop guarantees it: every rank
 * runs the same steps over the same model). Buffers are native memory ({@link MemorySegment}s of a
 * confined or shared arena), which MPI reads and writes in place.
 *
 * <p>Sealed: a group of one ({@link Single}, every operation a no-op) or Open MPI ({@link MpiCommunicator}).
 */
public sealed interface Communicator extends AutoCloseable permits Communicator.Single, MpiCommunicator {
    /** This process's rank, 0..size-1; rank 0 is the leader, which alone logs and writes files. */
    int rank();

    /** Processes in the job. */
    int size();

    default boolean leader() { return rank() == 0; }

    /** Replaces each of the {@code count} floats in {@code floats} by its sum over all ranks. */
    void allreduceSum(MemorySegment floats, int count);

    /** Replaces each of the {@code count} doubles in {@code doubles} by its sum over all ranks. */
    void allreduceSumDoubles(MemorySegment doubles, int count);

    /** Copies {@code bytes} of rank {@code root} into every other rank's {@code bytes} (same size everywhere). */
    void broadcast(MemorySegment bytes, int root);

    /** Every rank's {@code value}, indexed by rank (a gather of scalars for metrics: one allreduce of N doubles). */
    default double[] allGather(double value) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment all = arena.allocate(java.lang.foreign.ValueLayout.JAVA_DOUBLE, size());
            all.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, rank(), value);  // zeros elsewhere: the sum gathers
            allreduceSumDoubles(all, size());
            return all.toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE);
        }
    }

    /** Returns once every rank has called it. */
    void barrier();

    /** E.g. "Open MPI v4.1.4 (libmpi.so.40)", or "one process". */
    String describe();

    /** Leaves the job cleanly (MPI_Finalize); only after every rank finished its collective operations. */
    @Override void close();

    /** The group of one process: the plain, non-distributed run. Loads nothing. */
    record Single() implements Communicator {
        @Override public int rank() { return 0; }
        @Override public int size() { return 1; }
        @Override public void allreduceSum(MemorySegment floats, int count) { }
        @Override public void allreduceSumDoubles(MemorySegment doubles, int count) { }
        @Override public void broadcast(MemorySegment bytes, int root) {
            if (root != 0) throw new IllegalArgumentException("root " + root + " in a group of one");
        }
        @Override public void barrier() { }
        @Override public String describe() { return "one process"; }
        @Override public void close() { }
    }
}
