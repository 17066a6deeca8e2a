package dev.netc.runtime.cuda;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.GemmTiling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Optional;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.Kernel;
import java.util.List;

/**
 * The CUDA backend: the same {@link Compilation} as the Java backend, printed as CUDA C, compiled by NVRTC
 * for the GPU at hand and run through the driver API. Without a driver, NVRTC or GPU every entry
 * point fails with a {@link CudaUnavailableException} that names what is missing.
 */
public final class CudaBackend {
    private CudaBackend() {}

    /** The CUDA program of a compilation, as {@code netc compile --target cuda} writes it. */
    public static CudaProgram generate(Compilation compilation, String modelName) {
        return CudaCodegen.generate(compilation, modelName);
    }

    /** The CUDA program with the GEMMs' arithmetic chosen ({@code --precision fp32|tf32}). */
    public static CudaProgram generate(Compilation compilation, String modelName, GemmTiling.Precision precision) {
        return CudaCodegen.generate(compilation, modelName, precision);
    }

    /** NVRTC options for one architecture, e.g. "sm_90" (CUBIN) or "compute_80" (PTX). */
    public static List<String> options(String arch) {
        return List.of("--gpu-architecture=" + arch, "--std=c++17");
    }

    /** NVRTC options for a program: a TF32 program also needs the toolkit's include folder (mma.h). */
    public static List<String> options(String arch, CudaProgram program) {
        if (!program.needsToolkitHeaders()) return options(arch);
        Path include = toolkitInclude().orElseThrow(() -> new CudaUnavailableException(
                "--precision tf32 needs the CUDA toolkit's mma.h (WMMA), not found in $CUDA_HOME/include, $CUDA_PATH/include or "
                        + "/usr/local/cuda/include; install the toolkit headers or use --precision fp32"));
        return List.of("--gpu-architecture=" + arch, "--std=c++17", "-I" + include);
    }

    /** The toolkit's include folder holding mma.h. */
    static Optional<Path> toolkitInclude() {
        List<Path> candidates = new ArrayList<>();
        for (String variable : List.of("CUDA_HOME", "CUDA_PATH"))
            Optional.ofNullable(System.getenv(variable)).filter(v -> !v.isBlank()).ifPresent(v -> candidates.add(Path.of(v, "include")));
        candidates.add(Path.of("/usr/local/cuda/include"));
        return candidates.stream().filter(d -> Files.isRegularFile(d.resolve("mma.h"))).findFirst();
    }

    /** Compiles a program with NVRTC; fails with NVRTC's log when it does not compile. */
    public static byte[] compile(Nvrtc nvrtc, CudaProgram program, String arch) {
        Nvrtc.Result r = nvrtc.compile(program.source(), program.sourceName(), options(arch, program));
        if (!r.success()) throw new IllegalStateException("NVRTC cannot compile " + program.sourceName() + " for " + arch + ":\n" + r.log());
        return r.code();
    }

    /** The environment variable that makes every launch synchronous, so that a failing kernel is named. */
    public static final String SYNC_VARIABLE = "NETC_CUDA_SYNC";

    /**
     * A model ready to train on GPU 0 (driver, NVRTC and a GPU required); with {@code NETC_CUDA_SYNC=1}
     * in the environment every launch is waited for and an error names its kernel.
     */
    public static CudaModel compile(Compilation compilation, String modelName) {
        return compile(compilation, modelName, 0);
    }

    /** A model ready to train on GPU {@code ordinal} (a data-parallel rank takes the GPU of its local rank). */
    public static CudaModel compile(Compilation compilation, String modelName, int ordinal) {
        return compile(compilation, modelName, ordinal, GemmTiling.Precision.FP32);
    }

    /**
     * A model ready to train on GPU {@code ordinal} with the GEMMs' arithmetic chosen: exact FP32, or TF32
     * tensor cores (compute capability 8.0 or newer; results differ from FP32 at about 1e-3 relative).
     */
    public static CudaModel compile(Compilation compilation, String modelName, int ordinal, GemmTiling.Precision precision) {
        CudaDriver cu = CudaDriver.load();
        Nvrtc nvrtc = Nvrtc.load();
        if (ordinal >= cu.deviceCount())
            throw new CudaUnavailableException("GPU " + ordinal + " asked for, but the driver reports " + cu.deviceCount()
                    + " (one process per GPU: start at most that many ranks per host)");
        CudaDriver.Device device = cu.device(ordinal);
        cu.useDevice(device);
        if (precision == GemmTiling.Precision.TF32 && device.major() < 8)
            throw new CudaUnavailableException("--precision tf32 needs compute capability 8.0 or newer (TF32 tensor cores); GPU "
                    + ordinal + " is " + device.major() + "." + device.minor());
        CudaProgram program = generate(compilation, modelName, precision);
        boolean sync = "1".equals(System.getenv(SYNC_VARIABLE));
        List<String> planKernels = compilation.plan().kernels().stream().map(Kernel::name).toList();
        return new CudaModel(cu, program.manifest(), compile(nvrtc, program, device.arch()), sync, planKernels);
    }
}
