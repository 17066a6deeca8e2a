package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An NCCL communicator over the same ranks as an MPI one, for averaging gradients that live in GPU
 * memory: rank 0 makes the unique id ({@code ncclGetUniqueId}), MPI broadcasts its 128 bytes, and every
 * rank calls {@code ncclCommInitRank} on the GPU whose context is current on the calling thread (the
 * model's). Collectives are queued on the legacy default stream, the one the CUDA model launches its
 * kernels on, so they run after {@code backward}'s kernels and before {@code update}'s without a host wait.
 * Not shared between threads.
 */
final class NcclCommunicator implements AutoCloseable {
    /** A buffer in device memory: its address and its float count. */
    record DeviceBuffer(long pointer, long floats) {}

    private static final MemorySegment DEFAULT_STREAM = MemorySegment.NULL;

    private final Nccl nccl;
    private final MemorySegment comm;
    private boolean closed;

    private NcclCommunicator(Nccl nccl, MemorySegment comm) {
        this.nccl = nccl;
        this.comm = comm;
    }

    /** Every rank of {@code mpi} calls this at the same point; the model's CUDA context must be current. */
    static NcclCommunicator create(Nccl nccl, Communicator mpi) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(Nccl.UNIQUE_ID);
            if (mpi.leader()) nccl.check("ncclGetUniqueId", (int) nccl.getUniqueId.invokeExact(id));
            mpi.broadcast(id, 0);
            MemorySegment out = a.allocate(ADDRESS);
            nccl.check("ncclCommInitRank", (int) nccl.commInitRank.invokeExact(out, mpi.size(), id, mpi.rank()));
            return new NcclCommunicator(nccl, out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw Mpi.rethrow(t);
        }
    }

    /** Replaces each buffer by its mean over the ranks (ncclAvg, in place), as one NCCL group: NCCL fuses the calls. */
    void allreduceAverage(List<DeviceBuffer> buffers) {
        try {
            nccl.check("ncclGroupStart", (int) nccl.groupStart.invokeExact());
            for (DeviceBuffer b : buffers) {
                MemorySegment p = MemorySegment.ofAddress(b.pointer());
                nccl.check("ncclAllReduce", (int) nccl.allReduce.invokeExact(p, p, b.floats(), Nccl.FLOAT32, Nccl.AVG, comm, DEFAULT_STREAM));
            }
            nccl.check("ncclGroupEnd", (int) nccl.groupEnd.invokeExact());
        } catch (Throwable t) {
            throw Mpi.rethrow(t);
        }
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            nccl.check("ncclCommDestroy", (int) nccl.commDestroy.invokeExact(comm));
        } catch (Throwable t) {
            throw Mpi.rethrow(t);
        }
    }
}
