package dev.netc.runtime.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * NVRTC, the CUDA runtime compiler, through the foreign function API: CUDA C source in, PTX (or a
 * CUBIN for a real {@code sm_XX} architecture) out. Needs no GPU and no driver. NVRTC loads its
 * builtins library ({@code libnvrtc-builtins.so.MAJOR.MINOR}) by soname at compile time; loading it
 * first, from the same directory, makes that lookup find it wherever it lives.
 */
public final class Nvrtc {
    /** Candidate sonames, newest first. */
    public static final List<String> SONAMES = List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so");

    private final NativeLibrary lib;
    private final MethodHandle create, compile, logSize, log, codeSize, code, cubinSize, cubin, destroy, errorString, version;

    private Nvrtc(NativeLibrary lib) {
        this.lib = lib;
        create = lib.function("nvrtcCreateProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = lib.function("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        logSize = lib.function("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        log = lib.function("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        codeSize = lib.function("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        code = lib.function("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubinSize = lib.function("nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubin = lib.function("nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroy = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = lib.function("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        version = lib.function("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** NVRTC from the usual locations (see {@link NativeLibrary}); its builtins are loaded first when found beside it. */
    public static Nvrtc load() {
        for (Path dir : NativeLibrary.searchDirectories()) preloadBuiltins(dir);
        return new Nvrtc(NativeLibrary.open("NVRTC", SONAMES));
    }

    /** NVRTC from one directory (an unpacked redistributable): builtins first, then NVRTC itself. */
    public static Nvrtc load(Path dir) {
        preloadBuiltins(dir);
        for (String so : SONAMES) {
            if (dir.resolve(so).toFile().exists()) return new Nvrtc(NativeLibrary.openFile(dir.resolve(so)));
        }
        throw new CudaUnavailableException("NVRTC not found in " + dir + " (looked for " + SONAMES + ")");
    }

    private static void preloadBuiltins(Path dir) {
        java.io.File[] files = dir.toFile().listFiles((d, n) -> n.startsWith("libnvrtc-builtins.so"));
        if (files == null) return;
        for (java.io.File f : files) {
            try {
                NativeLibrary.openFile(f.toPath());
                return;
            } catch (CudaUnavailableException e) {
                // another version's builtins: try the next file
            }
        }
    }

    /** The library file that was loaded. */
    public String library() { return lib.name(); }

    /** NVRTC's version, e.g. "13.1". */
    public String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT), minor = arena.allocate(JAVA_INT);
            check("nvrtcVersion", (int) version.invokeExact(major, minor));
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The result of one compilation.
     *
     * @param success whether NVRTC compiled the program
     * @param log     NVRTC's messages (errors and warnings), empty when it had none
     * @param code    PTX text as bytes (for {@code compute_XX}) or a CUBIN (for {@code sm_XX}); empty on failure
     */
    public record Result(boolean success, String log, byte[] code) {
        /** The code as PTX text (without the terminating NUL). */
        public String ptx() {
            int n = code.length;
            while (n > 0 && code[n - 1] == 0) n--;
            return new String(code, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * Compiles one self-contained source.
     *
     * @param options NVRTC options, e.g. {@code --gpu-architecture=compute_80}; with an {@code sm_XX}
     *                architecture the result is a CUBIN, else PTX
     */
    public Result compile(String source, String name, List<String> options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = arena.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int) create.invokeExact(program, arena.allocateFrom(source), arena.allocateFrom(name), 0,
                    MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment prog = program.get(ADDRESS, 0);
            try {
                MemorySegment opts = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                int status = (int) compile.invokeExact(prog, options.size(), opts);
                String text = read(arena, prog, logSize, log).strip();
                if (status != 0) return new Result(false, text.isEmpty() ? describe(status) : text, new byte[0]);
                boolean binary = options.stream().anyMatch(o -> o.matches("(--gpu-architecture=|-arch=?)sm_\\d+[a-z]?"));
                byte[] out = readBytes(arena, prog, binary ? cubinSize : codeSize, binary ? cubin : code);
                return new Result(true, text, out);
            } finally {
                check("nvrtcDestroyProgram", (int) destroy.invokeExact(program));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static String read(Arena arena, MemorySegment prog, MethodHandle size, MethodHandle get) throws Throwable {
        byte[] b = readBytes(arena, prog, size, get);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(Arena arena, MemorySegment prog, MethodHandle size, MethodHandle get) throws Throwable {
        MemorySegment n = arena.allocate(JAVA_LONG);
        int status = (int) size.invokeExact(prog, n);
        if (status != 0) throw new CudaException("nvrtcGet*Size", status, "cannot read NVRTC output");
        long bytes = n.get(JAVA_LONG, 0);
        MemorySegment buf = arena.allocate(Math.max(1, bytes));
        status = (int) get.invokeExact(prog, buf);
        if (status != 0) throw new CudaException("nvrtcGet*", status, "cannot read NVRTC output");
        return buf.asSlice(0, bytes).toArray(JAVA_BYTE);
    }

    private String describe(int status) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(status);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "NVRTC error " + status;
        }
    }

    private void check(String call, int status) {
        if (status != 0) throw new CudaException(call, status, describe(status));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
