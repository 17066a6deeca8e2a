package dev.netc.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.core.loop.OptimizerLowering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Generates every trained example (fused and unfused), checks the manifest against the source and
 * writes both to target/cuda-sources for inspection and for the NVRTC test in runtime.
 */
class CudaSourceDumpTest {

    @Test
    void everyLaunchHasItsFunctionAndEveryArgumentIsKnown() throws IOException {
        Path dir = Path.of("target", "cuda-sources");
        Files.createDirectories(dir);
        for (var model : ExampleModels.trainedExamples()) {
            for (boolean fuse : new boolean[] {true, false}) {
                CudaProgram p = model.cuda(fuse);
                Files.writeString(dir.resolve(p.sourceName()), p.source());
                Files.writeString(dir.resolve(p.sourceName().replace(".cu", ".json")), p.manifest().toJson());
                Set<String> functions = new HashSet<>();
                for (LaunchSpec l : p.manifest().launches()) {
                    assertTrue(functions.add(l.function()), "duplicate function " + l.function());
                    assertTrue(p.source().contains("__global__ void __launch_bounds__(" + l.threadsPerBlock() + ") " + l.function() + "("),
                            l.function() + " missing from " + p.sourceName());
                    for (String arg : l.args()) {
                        if (!LaunchSpec.SCALARS.contains(arg)) p.manifest().buffer(arg);
                    }
                }
                assertFalse(p.manifest().launches("backward").isEmpty(), model.name() + " has no backward launches");
                int trainable = model.graph().trainableParameters().size();
                int groups = (trainable + OptimizerLowering.MULTI_TENSOR_GROUP - 1) / OptimizerLowering.MULTI_TENSOR_GROUP;
                assertEquals(groups, p.manifest().launches("update").stream()
                        .filter(l -> l.function().startsWith("update_")).count(), "one multi-tensor update per group of parameters");
                for (var param : model.graph().trainableParameters()) {
                    String name = ((dev.netc.ir.Op.Parameter) param.op()).name();
                    assertTrue(p.source().contains("// " + name + "\n"), name + " has no branch in the multi-tensor update");
                }
            }
        }
    }
}
