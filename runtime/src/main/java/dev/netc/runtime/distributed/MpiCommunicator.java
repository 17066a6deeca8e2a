package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A {@link Communicator} over Open MPI's {@code MPI_COMM_WORLD}. {@link #start} loads the library,
 * initialises MPI (thread level FUNNELED: the training loop's thread makes every call) and has errors
 * returned rather than aborting, so a failed collective becomes a message. When a process of the job
 * dies, mpirun ends the others (and says which rank died); a blocked collective does not hang.
 */
public final class MpiCommunicator implements Communicator {
    private final Mpi mpi;
    private final int rank, size;
    private final String version;
    private boolean closed;

    private MpiCommunicator(Mpi mpi, int rank, int size, String version) {
        this.mpi = mpi;
        this.rank = rank;
        this.size = size;
        this.version = version;
    }

    /**
     * Joins the job mpirun started: checks the launch, loads MPI ({@code $NETC_MPI_LIB}, then {@code libmpi.so.40}) and
     * initialises it.
     *
     * @throws DistributedUnavailableException without mpirun, without the library, or when MPI cannot start
     */
    public static MpiCommunicator start(LaunchEnvironment launch) {
        Mpi mpi = Mpi.load(Optional.ofNullable(System.getenv(Mpi.LIBRARY_VARIABLE)));
        if (!mpi.initialized()) mpi.initThread(Mpi.THREAD_FUNNELED);
        mpi.returnErrors();
        int rank = mpi.rank(), size = mpi.size();
        if (rank != launch.rank() || size != launch.size())
            throw new DistributedUnavailableException("MPI says rank " + rank + " of " + size + " but mpirun's variables say rank "
                    + launch.rank() + " of " + launch.size() + " (an mpirun of another MPI than " + mpi.libraryName() + "?)");
        return new MpiCommunicator(mpi, rank, size, mpi.libraryVersion());
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override public void allreduceSum(MemorySegment floats, int count) {
        requireFits(floats, count * JAVA_FLOAT.byteSize());
        mpi.allreduceSum(floats, count, mpi.floatType);
    }

    @Override public void allreduceSumDoubles(MemorySegment doubles, int count) {
        requireFits(doubles, count * JAVA_DOUBLE.byteSize());
        mpi.allreduceSum(doubles, count, mpi.doubleType);
    }

    @Override public void broadcast(MemorySegment bytes, int root) {
        if (bytes.byteSize() > Integer.MAX_VALUE) throw new IllegalArgumentException("broadcast of " + bytes.byteSize() + " bytes: split it");
        mpi.broadcast(bytes, (int) bytes.byteSize(), mpi.byteType, root);
    }

    @Override public void barrier() { mpi.barrier(); }

    @Override public String describe() { return version + " (" + mpi.libraryName() + ")"; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        if (!mpi.finalized()) mpi.finalizeMpi();
    }

    private static void requireFits(MemorySegment segment, long bytes) {
        if (!segment.isNative()) throw new IllegalArgumentException("MPI needs native memory, got a heap segment");
        if (segment.byteSize() < bytes) throw new IllegalArgumentException(bytes + " bytes asked of a " + segment.byteSize() + "-byte segment");
    }
}
