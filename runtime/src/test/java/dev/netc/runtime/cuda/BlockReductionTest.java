package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.LaunchSpec;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Which reductions the CUDA generator runs one block per output (no GPU needed; the simulator tests
 * check their values against the Java backend): the MNIST CNN's two convolution bias gradients, which
 * fold batch x 784 and batch x 196 elements per channel, and none of the short ones (the loss, a
 * dense layer's bias gradient summing the batch).
 */
class BlockReductionTest {

    @Test
    void longReductionsGetABlockPerOutputAndShortOnesAThreadPerOutput() {
        for (boolean fuse : new boolean[] {true, false}) {
            CudaExamples.Trained t = CudaExamples.named("mnist_cnn");
            CudaProgram p = CudaCodegen.generate(t.compilation(fuse), t.name());
            List<String> blocked = kernelsCalling(p.source(), "netc_block_sum");
            assertEquals(2, blocked.size(), (fuse ? "fused" : "unfused") + ": the two conv bias gradients, got " + blocked);
            for (String kernel : blocked) {
                LaunchSpec launch = p.manifest().launches().stream().filter(l -> l.function().equals(kernel)).findFirst().orElseThrow();
                assertTrue(List.of("32", "64").contains(launch.grid().get(0)), kernel + ": one block per channel, grid " + launch.grid());
                String body = body(p.source(), kernel);
                assertTrue(body.contains("for (int o = blockIdx.x;"), body);
                assertTrue(body.contains("= threadIdx.x;") && body.contains("+= blockDim.x)"), "threads split the elements:\n" + body);
                assertTrue(body.contains("if (threadIdx.x == 0)"), "one thread stores the merged result:\n" + body);
            }
            LaunchSpec mean = p.manifest().launches().stream().filter(l -> l.function().endsWith("_mean")).findFirst().orElseThrow();
            assertTrue(body(p.source(), mean.function()).contains("blockIdx.x * blockDim.x + threadIdx.x"),
                    "the loss's mean over the batch (64 elements at the nominal batch) stays one thread per output");
        }
    }

    private static List<String> kernelsCalling(String source, String function) {
        Matcher m = Pattern.compile("__global__ void __launch_bounds__\\(\\d+\\) (\\w+)\\(").matcher(source);
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) if (body(source, m.group(1)).contains(function + "(")) names.add(m.group(1));
        return names;
    }

    /** The text of one kernel, from its signature to the next kernel's. */
    private static String body(String source, String kernel) {
        int start = source.indexOf(" " + kernel + "(");
        int end = source.indexOf("__global__", start);
        return source.substring(start, end < 0 ? source.length() : end);
    }
}
