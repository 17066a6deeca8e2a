package dev.netc.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A shared library opened for the life of the process, and downcall handles into it. Libraries are
 * looked up in {@code $NETC_CUDA_LIB_DIR} first, then in the usual CUDA locations
 * ({@code $CUDA_HOME/lib64}, {@code /usr/local/cuda/lib64}, ...), then by the system's own search
 * ({@code LD_LIBRARY_PATH}, ldconfig).
 */
public final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** The file or soname that was opened. */
    public String name() { return name; }

    /**
     * Opens the first of {@code sonames} that loads.
     *
     * @param what names the library in the error message, e.g. "NVRTC"
     * @throws CudaUnavailableException naming every candidate and directory when none loads
     */
    public static NativeLibrary open(String what, List<String> sonames) {
        List<String> tried = new ArrayList<>();
        for (Path dir : searchDirectories()) {
            for (String so : sonames) {
                Path file = dir.resolve(so);
                if (!Files.exists(file)) continue;
                Optional<NativeLibrary> lib = tryOpen(file.toString());
                if (lib.isPresent()) return lib.get();
                tried.add(file + " (exists but does not load)");
            }
        }
        for (String so : sonames) {
            Optional<NativeLibrary> lib = tryOpen(so);
            if (lib.isPresent()) return lib.get();
        }
        throw new CudaUnavailableException(what + " not found: none of " + String.join(", ", sonames) + " could be loaded from "
                + searchDirectories() + " or the system library path" + (tried.isEmpty() ? "" : "; " + String.join("; ", tried))
                + ". Set " + CudaAvailability.LIB_DIR_VARIABLE + " to the directory holding it.");
    }

    /** Opens one file by path (for libraries unpacked by tests); fails when it does not load. */
    public static NativeLibrary openFile(Path file) {
        return tryOpen(file.toAbsolutePath().toString())
                .orElseThrow(() -> new CudaUnavailableException("cannot load " + file));
    }

    private static Optional<NativeLibrary> tryOpen(String library) {
        try {
            // the global arena keeps the library loaded: handles into it outlive any one caller
            return Optional.of(new NativeLibrary(library, SymbolLookup.libraryLookup(library, Arena.global())));
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    /** $NETC_CUDA_LIB_DIR, $CUDA_HOME/lib64, $CUDA_PATH/lib64, /usr/local/cuda/lib64 and the distribution's directories. */
    static List<Path> searchDirectories() {
        Set<Path> dirs = new LinkedHashSet<>();
        env(CudaAvailability.LIB_DIR_VARIABLE).ifPresent(d -> dirs.add(Path.of(d)));
        env("CUDA_HOME").ifPresent(d -> dirs.add(Path.of(d, "lib64")));
        env("CUDA_PATH").ifPresent(d -> dirs.add(Path.of(d, "lib64")));
        for (String d : List.of("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib/wsl/lib", "/usr/local/lib")) dirs.add(Path.of(d));
        return dirs.stream().filter(Files::isDirectory).toList();
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(s -> !s.isBlank());
    }

    /** A downcall handle for a function of this library. */
    public MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = lookup.find(symbol)
                .orElseThrow(() -> new CudaUnavailableException(name + " has no symbol " + symbol + " (too old a version?)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** Whether the library exports a symbol. */
    public boolean has(String symbol) { return lookup.find(symbol).isPresent(); }
}
