package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * NVIDIA's collective library ({@code libnccl.so.2}) through the foreign function API, for
 * {@code --backend cuda --distributed}: gradients are averaged in device memory on the model's stream
 * instead of being staged through the host. The descriptors follow {@code nccl.h} (NCCL 2.x):
 *
 * <pre>
 * typedef struct { char internal[128]; } ncclUniqueId;            // NCCL_UNIQUE_ID_BYTES
 * ncclResult_t ncclGetVersion(int *version);
 * ncclResult_t ncclGetUniqueId(ncclUniqueId *uniqueId);
 * ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank);   // id by value
 * ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype,
 *                            ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
 * ncclResult_t ncclBroadcast(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype, int root,
 *                            ncclComm_t comm, cudaStream_t stream);
 * ncclResult_t ncclGroupStart(void);  ncclResult_t ncclGroupEnd(void);
 * ncclResult_t ncclCommDestroy(ncclComm_t comm);  ncclResult_t ncclCommAbort(ncclComm_t comm);
 * ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError);
 * const char  *ncclGetErrorString(ncclResult_t result);
 * </pre>
 *
 * Enums are C ints: {@code ncclFloat32 = 7}, {@code ncclSum = 0}, {@code ncclAvg = 4} (NCCL 2.10 and later).
 * Device pointers travel as addresses; streams and communicators are opaque pointers.
 */
public final class Nccl {
    /** The soname, and the unversioned name a development install adds. */
    public static final List<String> SONAMES = List.of("libnccl.so.2", "libnccl.so");
    static final int UNIQUE_ID_BYTES = 128;
    /** {@code ncclUniqueId}: 128 opaque bytes, passed by value to ncclCommInitRank. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE)
            .withName("internal")).withName("ncclUniqueId");
    static final int FLOAT32 = 7, SUM = 0, AVG = 4;
    /** ncclAvg arrived in NCCL 2.10.3 (version code 21003). */
    static final int MIN_VERSION = 21003;

    static final FunctionDescriptor GET_VERSION = FunctionDescriptor.of(JAVA_INT, ADDRESS),
            GET_UNIQUE_ID = FunctionDescriptor.of(JAVA_INT, ADDRESS),
            COMM_INIT_RANK = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT),
            ALL_REDUCE = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
            BROADCAST = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
            GROUP = FunctionDescriptor.of(JAVA_INT),
            COMM = FunctionDescriptor.of(JAVA_INT, ADDRESS),
            ASYNC_ERROR = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS),
            ERROR_STRING = FunctionDescriptor.of(ADDRESS, JAVA_INT);

    private final SharedLibrary lib;
    final MethodHandle getVersion, getUniqueId, commInitRank, allReduce, broadcast, groupStart, groupEnd, commDestroy, commAbort,
            asyncError, errorString;

    private Nccl(SharedLibrary lib) {
        this.lib = lib;
        getVersion = lib.function("ncclGetVersion", GET_VERSION);
        getUniqueId = lib.function("ncclGetUniqueId", GET_UNIQUE_ID);
        commInitRank = lib.function("ncclCommInitRank", COMM_INIT_RANK);
        allReduce = lib.function("ncclAllReduce", ALL_REDUCE);
        broadcast = lib.function("ncclBroadcast", BROADCAST);
        groupStart = lib.function("ncclGroupStart", GROUP);
        groupEnd = lib.function("ncclGroupEnd", GROUP);
        commDestroy = lib.function("ncclCommDestroy", COMM);
        commAbort = lib.function("ncclCommAbort", COMM);
        asyncError = lib.function("ncclCommGetAsyncError", ASYNC_ERROR);
        errorString = lib.function("ncclGetErrorString", ERROR_STRING);
    }

    /**
     * Loads NCCL and checks its version.
     *
     * @throws DistributedUnavailableException without the library, or with one older than 2.10.3
     */
    public static Nccl load() { return load(SONAMES); }

    static Nccl load(List<String> candidates) {
        Nccl nccl = new Nccl(SharedLibrary.open("NCCL", candidates, "--backend cuda --distributed averages gradients on the GPUs "
                + "with NVIDIA's NCCL: install it (e.g. the libnccl2 package from NVIDIA's CUDA repository) or put the directory "
                + "holding libnccl.so.2 on LD_LIBRARY_PATH"));
        int version = nccl.version();
        if (version < MIN_VERSION)
            throw new DistributedUnavailableException("NCCL " + describeVersion(version) + " is too old: netc needs 2.10.3 or later (ncclAvg)");
        return nccl;
    }

    /** Why NCCL cannot be used here, if it cannot; loads the library when it is present. */
    public static Optional<String> problem() { return problem(SONAMES); }

    static Optional<String> problem(List<String> candidates) {
        try {
            load(candidates);
            return Optional.empty();
        } catch (DistributedUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** ncclGetVersion's code: major * 10000 + minor * 100 + patch since 2.9 (major * 1000 + ... before). */
    int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("ncclGetVersion", (int) getVersion.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Mpi.rethrow(t);
        }
    }

    static String describeVersion(int code) {
        return code >= 10000 ? code / 10000 + "." + code / 100 % 100 + "." + code % 100 : code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    void check(String call, int result) throws Throwable {
        if (result == 0) return;
        MemorySegment text = ((MemorySegment) errorString.invokeExact(result)).reinterpret(1024);
        throw new DistributedUnavailableException(call + " failed: " + text.getString(0) + " (ncclResult_t " + result + ")");
    }

    String libraryName() { return lib.name(); }
}
