package dev.netc.runtime.cuda;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.ir.plan.Compilation;
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

    /** NVRTC options for one architecture, e.g. "sm_90" (CUBIN) or "compute_80" (PTX). */
    public static List<String> options(String arch) {
        return List.of("--gpu-architecture=" + arch, "--std=c++17");
    }

    /** Compiles a program with NVRTC; fails with NVRTC's log when it does not compile. */
    public static byte[] compile(Nvrtc nvrtc, CudaProgram program, String arch) {
        Nvrtc.Result r = nvrtc.compile(program.source(), program.sourceName(), options(arch));
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
        CudaDriver cu = CudaDriver.load();
        Nvrtc nvrtc = Nvrtc.load();
        if (ordinal >= cu.deviceCount())
            throw new CudaUnavailableException("GPU " + ordinal + " asked for, but the driver reports " + cu.deviceCount()
                    + " (one process per GPU: start at most that many ranks per host)");
        CudaDriver.Device device = cu.device(ordinal);
        cu.useDevice(device);
        CudaProgram program = generate(compilation, modelName);
        boolean sync = "1".equals(System.getenv(SYNC_VARIABLE));
        return new CudaModel(cu, program.manifest(), compile(nvrtc, program, device.arch()), sync);
    }
}
