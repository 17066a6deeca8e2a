package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Open MPI's C library ({@code libmpi.so.40}) through the foreign function API: the few calls data-parallel
 * training needs. Debian ships no Java bindings for MPI, so these follow {@code mpi.h} of Open MPI 4.x and 5.x:
 * {@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op} and {@code MPI_Errhandler} are pointers, and the
 * predefined ones are the <em>addresses</em> of exported objects ({@code MPI_COMM_WORLD} is
 * {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT} is {@code &ompi_mpi_float}, {@code MPI_SUM} is
 * {@code &ompi_mpi_op_sum}); {@code MPI_IN_PLACE} is {@code (void *) 1}. Counts are C {@code int}s.
 * Every call returns an MPI error code; after {@link #returnErrors()} a failure is an exception with
 * MPI's own description instead of Open MPI's default, aborting the job.
 */
final class Mpi {
    /** The sonames tried, newest ABI first; {@code NETC_MPI_LIB} (a file) goes before them. */
    static final List<String> SONAMES = List.of("libmpi.so.40", "libmpi.so");
    static final String LIBRARY_VARIABLE = "NETC_MPI_LIB";
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    /** MPI_THREAD_FUNNELED: only the thread that called MPI_Init_thread makes MPI calls (the training loop's). */
    static final int THREAD_FUNNELED = 1;
    private static final int MAX_ERROR_STRING = 256, MAX_LIBRARY_VERSION_STRING = 256;

    final MemorySegment commWorld, floatType, doubleType, byteType, sum, errorsReturn;
    private final SharedLibrary lib;
    private final MethodHandle initThread, initialized, finalized, finalize, commRank, commSize, allreduce, bcast, barrier,
            setErrhandler, errorString, libraryVersion;

    private Mpi(SharedLibrary lib) {
        this.lib = lib;
        commWorld = lib.symbol("ompi_mpi_comm_world");
        floatType = lib.symbol("ompi_mpi_float");
        doubleType = lib.symbol("ompi_mpi_double");
        byteType = lib.symbol("ompi_mpi_byte");
        sum = lib.symbol("ompi_mpi_op_sum");
        errorsReturn = lib.symbol("ompi_mpi_errors_return");
        FunctionDescriptor pointer = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        // int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
        initThread = lib.function("MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        initialized = lib.function("MPI_Initialized", pointer);
        finalized = lib.function("MPI_Finalized", pointer);
        finalize = lib.function("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        // int MPI_Comm_rank(MPI_Comm comm, int *rank), MPI_Comm_size likewise
        commRank = lib.function("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = lib.function("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)
        allreduce = lib.function("MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // int MPI_Bcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm)
        bcast = lib.function("MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        barrier = lib.function("MPI_Barrier", pointer);
        // int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
        setErrhandler = lib.function("MPI_Comm_set_errhandler", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Error_string(int errorcode, char *string, int *resultlen)
        errorString = lib.function("MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Get_library_version(char *version, int *resultlen)
        libraryVersion = lib.function("MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Loads Open MPI's library ({@code $NETC_MPI_LIB}, then {@link #SONAMES}); nothing is initialised yet. */
    static Mpi load(Optional<String> override) {
        return load(candidates(override));
    }

    static Mpi load(List<String> candidates) {
        return new Mpi(SharedLibrary.open("Open MPI's library", candidates, "install Open MPI (Debian/Ubuntu: "
                + "`apt-get install openmpi-bin libopenmpi-dev`) or set " + LIBRARY_VARIABLE + " to its libmpi.so file"));
    }

    static List<String> candidates(Optional<String> override) {
        List<String> c = new ArrayList<>();
        override.filter(s -> !s.isBlank()).ifPresent(c::add);
        c.addAll(SONAMES);
        return c;
    }

    String libraryName() { return lib.name(); }

    /** MPI_Init_thread(NULL, NULL, required, &provided); returns the thread level provided. */
    int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided));
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    boolean initialized() { return flag(initialized, "MPI_Initialized"); }

    boolean finalized() { return flag(finalized, "MPI_Finalized"); }

    private boolean flag(MethodHandle call, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT);
            check(what, (int) call.invokeExact(flag));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finalizeMpi() {
        try {
            check("MPI_Finalize", (int) finalize.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Errors on MPI_COMM_WORLD return codes (turned into exceptions here) instead of aborting the job. */
    void returnErrors() {
        try {
            check("MPI_Comm_set_errhandler", (int) setErrhandler.invokeExact(commWorld, errorsReturn));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int rank() { return intOut(commRank, "MPI_Comm_rank"); }

    int size() { return intOut(commSize, "MPI_Comm_size"); }

    private int intOut(MethodHandle call, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(what, (int) call.invokeExact(commWorld, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** In-place MPI_Allreduce with MPI_SUM over MPI_COMM_WORLD of {@code count} elements of {@code type}. */
    void allreduceSum(MemorySegment buffer, int count, MemorySegment type) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(IN_PLACE, buffer, count, type, sum, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void broadcast(MemorySegment buffer, int count, MemorySegment type, int root) {
        try {
            check("MPI_Bcast", (int) bcast.invokeExact(buffer, count, type, root, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void barrier() {
        try {
            check("MPI_Barrier", (int) barrier.invokeExact(commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The library's own version text, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". */
    String libraryVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(MAX_LIBRARY_VERSION_STRING);
            MemorySegment length = a.allocate(JAVA_INT);
            check("MPI_Get_library_version", (int) libraryVersion.invokeExact(text, length));
            return text.getString(0).lines().findFirst().orElse("").strip();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private void check(String call, int code) throws Throwable {
        if (code != 0) throw new DistributedUnavailableException(call + " failed: " + describe(code));
    }

    private String describe(int code) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(MAX_ERROR_STRING);
            MemorySegment length = a.allocate(JAVA_INT);
            int status = (int) errorString.invokeExact(code, text, length);
            return status == 0 ? text.getString(0) + " (MPI error " + code + ")" : "MPI error " + code;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
