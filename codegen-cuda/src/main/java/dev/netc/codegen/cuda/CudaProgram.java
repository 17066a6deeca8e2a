package dev.netc.codegen.cuda;

/**
 * A compiled model for the GPU: one self-contained CUDA C source (no includes, so NVRTC needs no
 * header search path) and the manifest describing its buffers and launches.
 *
 * @param sourceName file name of the source, e.g. {@code mnist_cnn.cu}
 * @param source     the CUDA C text
 * @param manifest   buffers and launches
 */
public record CudaProgram(String sourceName, String source, CudaManifest manifest) {}
