package dev.netc.codegen.cuda;

import java.util.Map;

/**
 * A compiled model for the GPU: one CUDA C source (no includes, except mma.h for TF32) and the
 * manifest describing its buffers and launches.
 *
 * @param sourceName file name of the source, e.g. {@code mnist_cnn.cu}
 * @param source     the CUDA C text
 * @param manifest   buffers and launches
 * @param tilings    the tile and split-K choice of each GEMM, by the function of its first launch
 */
public record CudaProgram(String sourceName, String source, CudaManifest manifest, Map<String, GemmTiling> tilings) {
    public CudaProgram {
        tilings = Map.copyOf(tilings);
    }

    /** True when the source includes the toolkit's mma.h (TF32 tensor cores), so NVRTC needs its include folder. */
    public boolean needsToolkitHeaders() { return source.contains("#include <mma.h>"); }
}
