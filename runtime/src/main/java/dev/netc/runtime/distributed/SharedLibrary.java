package dev.netc.runtime.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A communication library (MPI, NCCL) opened for the life of the process, and downcall handles and
 * symbol addresses in it. Only opened by a distributed run: a plain {@code netc train} never touches
 * this class. The same style as the CUDA bindings' {@code NativeLibrary}, with messages about MPI.
 */
final class SharedLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private SharedLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** The soname or file that was opened. */
    String name() { return name; }

    /**
     * Opens the first of {@code candidates} (sonames searched the system's way, or absolute paths) that loads.
     *
     * @param what   names the library in the message, e.g. "Open MPI's library"
     * @param advice what to do about it, appended to the message
     * @throws DistributedUnavailableException naming every candidate when none loads
     */
    static SharedLibrary open(String what, List<String> candidates, String advice) {
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                // the global arena keeps the library loaded: its handles and predefined objects outlive any caller
                return new SharedLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                failures.add(candidate);
            }
        }
        throw new DistributedUnavailableException(what + " not found: none of " + String.join(", ", failures)
                + " could be loaded; " + advice);
    }

    /** A downcall handle for function {@code symbol}. */
    MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(symbol), descriptor);
    }

    /** The address of {@code symbol} (a function, or a predefined object such as Open MPI's {@code ompi_mpi_comm_world}). */
    MemorySegment symbol(String symbol) {
        return find(symbol).orElseThrow(() -> new DistributedUnavailableException(name + " has no symbol " + symbol
                + " (not the library netc binds, or too old a version)"));
    }

    Optional<MemorySegment> find(String symbol) { return lookup.find(symbol); }
}
