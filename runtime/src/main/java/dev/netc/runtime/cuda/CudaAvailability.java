package dev.netc.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether the CUDA driver and NVRTC can be loaded on this machine, checked by opening them with
 * {@link SymbolLookup#libraryLookup} (and closing them again). {@code NETC_CUDA_LIB_DIR}, when set, is
 * searched before the system's library path.
 */
public final class CudaAvailability {
    /** The environment variable naming an extra directory that holds libcuda.so.1 and libnvrtc. */
    public static final String LIB_DIR_VARIABLE = "NETC_CUDA_LIB_DIR";
    static final List<String> DRIVER = List.of("libcuda.so.1", "libcuda.so");
    static final List<String> NVRTC = List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2");

    private CudaAvailability() {}

    /** Empty when CUDA can be used, else a message for the user naming what is missing. */
    public static Optional<String> problem() {
        Optional<Path> dir = Optional.ofNullable(System.getenv(LIB_DIR_VARIABLE)).filter(s -> !s.isBlank()).map(Path::of);
        String hint = "set " + LIB_DIR_VARIABLE + " to the directory holding it, or install the NVIDIA driver";
        if (!loadable(DRIVER, dir))
            return Optional.of("no CUDA driver found (libcuda.so.1 not loadable; " + hint + ")");
        if (!loadable(NVRTC, dir))
            return Optional.of("no NVRTC found (libnvrtc.so not loadable; " + hint.replace("the NVIDIA driver", "the CUDA toolkit") + ")");
        return Optional.empty();
    }

    /** Whether one of {@code names} opens, from {@code dir} first and then by the system's search. */
    static boolean loadable(List<String> names, Optional<Path> dir) {
        for (String name : names) {
            if (dir.isPresent() && opens(dir.get().resolve(name).toString())) return true;
            if (opens(name)) return true;
        }
        return false;
    }

    private static boolean opens(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return true;
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return false;
        }
    }
}
