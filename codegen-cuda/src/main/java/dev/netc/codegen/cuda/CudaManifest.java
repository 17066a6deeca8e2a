package dev.netc.codegen.cuda;

import java.util.List;

/**
 * What the runtime needs to run a compiled model without the compiler: the buffers with their sizes,
 * and the launches of each pass in order. Written next to the .cu source as {@code manifest.json}.
 *
 * @param model     the model's name
 * @param source    the file name of the CUDA C source
 * @param optimizer the optimizer's description, or null for an inference-only model
 * @param buffers   every device buffer
 * @param launches  every launch, grouped by phase in execution order (predict, loss, backward, update)
 */
public record CudaManifest(String model, String source, String optimizer, List<BufferSpec> buffers, List<LaunchSpec> launches) {

    /** Manifest format version, bumped whenever a field changes meaning (2: buffer kind {@code workspace}, split-K). */
    public static final int FORMAT = 2;

    public CudaManifest {
        buffers = List.copyOf(buffers);
        launches = List.copyOf(launches);
    }

    /** The launches of one phase, in order. */
    public List<LaunchSpec> launches(String phase) {
        return launches.stream().filter(l -> l.phase().equals(phase)).toList();
    }

    /** The buffer with this C name. */
    public BufferSpec buffer(String name) {
        return buffers.stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no buffer named " + name));
    }

    /** The buffer a user knows by this name (input, parameter, output or optimizer state name), if any. */
    public java.util.Optional<BufferSpec> bufferNamed(String userName) {
        return buffers.stream().filter(b -> b.names().contains(userName)).findFirst();
    }

    /** The manifest as JSON (the runtime reads it back). */
    public String toJson() { return ManifestJson.write(this); }
}
