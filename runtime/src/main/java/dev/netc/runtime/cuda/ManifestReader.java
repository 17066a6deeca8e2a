package dev.netc.runtime.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netc.codegen.cuda.BufferSpec;
import dev.netc.codegen.cuda.CudaManifest;
import dev.netc.codegen.cuda.LaunchSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the {@code manifest.json} that {@code netc compile --target cuda} writes back into a {@link CudaManifest}. */
public final class ManifestReader {
    private ManifestReader() {}

    public static CudaManifest parse(String json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        int format = root.path("format").asInt(-1);
        if (format != CudaManifest.FORMAT)
            throw new IOException("manifest format " + format + " is not " + CudaManifest.FORMAT + ": recompile the model");
        List<BufferSpec> buffers = new ArrayList<>();
        for (JsonNode b : root.path("buffers")) {
            buffers.add(new BufferSpec(b.path("name").asText(), strings(b.path("names")), b.path("dtype").asText(),
                    b.path("count").asText(), BufferSpec.Kind.valueOf(b.path("kind").asText().toUpperCase(Locale.ROOT)),
                    b.hasNonNull("aliasOf") ? b.path("aliasOf").asText() : null, b.path("fill").asDouble(0)));
        }
        List<LaunchSpec> launches = new ArrayList<>();
        for (JsonNode l : root.path("launches")) {
            List<Integer> block = new ArrayList<>();
            for (JsonNode v : l.path("block")) block.add(v.asInt());
            launches.add(new LaunchSpec(l.path("function").asText(), l.path("kernel").asText(), l.path("phase").asText(),
                    strings(l.path("grid")), block, l.path("sharedBytes").asInt(), strings(l.path("args"))));
        }
        return new CudaManifest(root.path("model").asText(), root.path("source").asText(),
                root.hasNonNull("optimizer") ? root.path("optimizer").asText() : null, buffers, launches);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : array) out.add(v.asText());
        return out;
    }
}
