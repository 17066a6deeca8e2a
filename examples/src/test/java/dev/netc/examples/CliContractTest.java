package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract other tools script against: outputs, files written and exit codes. */
class CliContractTest {
    @TempDir Path tmp;

    private static String ex(String name) { return Examples.example(name).toString(); }

    @Test
    void summaryEndsWithKerasStyleParameterCounts() {
        Examples.Run run = Examples.netc("summary", ex("mnist_cnn.net"));
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().strip().lines().toList();
        // 5x5x1x32+32 + 5x5x32x64+64 + 3136x1024+1024 + 1024x10+10
        assertEquals(List.of("Total params: 3,274,634", "Trainable params: 3,274,634", "Non-trainable params: 0"),
                lines.subList(lines.size() - 3, lines.size()));
        assertTrue(run.out().contains("conv_pool_1/conv2d (Conv2D)"), run.out());
    }

    @Test
    void benchComparesFusedWithUnfusedAndWritesTheDocumentedJsonKeys() throws IOException {
        Path json = tmp.resolve("bench.json");
        Examples.Run run = Examples.netc("bench", ex("spirals.net"), "--batch", "32", "--steps", "3", "--warmup", "1",
                "--profile", "--json", json.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("fused/unfused"), run.out());
        assertTrue(run.out().contains("profile of the fused build"), run.out());
        assertTrue(run.out().contains("caches: L1d "), run.out()); // what the kernels sized their blocks from
        assertTrue(run.out().contains("host: GEMM micro-kernel per thread"), run.out());
        assertTrue(Files.readString(json).contains("\"gemm_gflops_per_thread\""), "per-thread rates in the JSON");
        String text = Files.readString(json);
        for (String key : List.of("fma_peak_gflops", "mem_gbps", "step_ms", "l1d_bytes", "l2_bytes", "gemm_kc", "gemm_mc", "vector_floats")) {
            var m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+]+)").matcher(text);
            assertTrue(m.find(), key + " in " + text);
            assertTrue(Double.parseDouble(m.group(1)) > 0, key + " = " + m.group(1));
        }
        // the profile names every kernel of the fused plan that runs code, and the update
        Examples.Run fusion = Examples.netc("fusion", ex("spirals.net"), "--batch", "32");
        for (String line : fusion.out().lines().filter(l -> l.startsWith("kernel ") && !l.contains("_reshape ")).toList())
            assertTrue(text.contains("\"kernel\" : \"" + line.split("\\s+")[1] + "\""), line + " missing from " + text);
        assertTrue(text.contains("\"kernel\" : \"update\""), text);
        // inference kernel by kernel at the bench batch and at batch 1: the predict kernels only
        assertTrue(run.out().contains("one inference pass at batch 32"), run.out());
        assertTrue(run.out().contains("one inference pass at batch 1,"), run.out());
        String inference = text.substring(text.indexOf("\"profile_inference\""));
        assertTrue(inference.contains("\"pass\" : \"inference pass at batch 1\""), inference);
        assertTrue(inference.contains("\"phase\" : \"predict\""), inference);
        for (String phase : List.of("backward", "loss", "update"))
            assertTrue(!inference.contains("\"phase\" : \"" + phase + "\""), phase + " in " + inference);
        for (String variant : List.of("fused", "unfused")) {
            int at = text.indexOf("\"" + variant + "\"");
            assertTrue(at >= 0, text);
            for (String key : List.of("train_images_per_s", "infer_images_per_s", "infer_1000_images_per_s", "batch1_latency_ms", "peak_bytes", "train_gflops", "flops_per_image",
                    "bytes_per_step", "cuda_launches_per_step")) {
                var m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+]+)").matcher(text);
                assertTrue(m.find(at), variant + "." + key + " in " + text);
                assertTrue(Double.parseDouble(m.group(1)) > 0, variant + "." + key + " = " + m.group(1));
            }
        }
    }

    @Test
    void frozenParametersAreNonTrainable() {
        Examples.Run run = Examples.netc("summary", ex("oracle_222.net"));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Total params: 10\n"), run.out());
        assertTrue(run.out().contains("Trainable params: 8\n"), run.out());
        assertTrue(run.out().contains("Non-trainable params: 2\n"), run.out());
    }

    @Test
    void checkReportsEveryErrorWithPositionAndExitsTwo() throws IOException {
        Path bad = tmp.resolve("bad.net");
        Files.writeString(bad, """
                model m {
                  input x: f32[B, 3136]
                  param w: f32[3137, 1024] = zeros
                  y = matmul(x, w)
                  z = relu(yy)
                  output z
                }
                """);
        Examples.Run run = Examples.netc("check", bad.toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("bad.net:4:7: error: matmul: inner dimensions differ: [B, 3136] x [3137, 1024]"), run.err());
        assertTrue(run.err().contains("bad.net:5:12: error: unknown name 'yy'"), run.err());
        assertTrue(run.err().contains("^~~~"), run.err());
        assertFalse(run.err().contains("Exception"), "no stack trace for a user error: " + run.err());
    }

    @Test
    void missingFileAndBadFlagsAreUserErrors() {
        assertEquals(2, Examples.netc("check", tmp.resolve("nope.net").toString()).exit());
        assertEquals(2, Examples.netc("train", ex("spirals.net"), "--epochs", "0").exit());
        assertEquals(2, Examples.netc("train", ex("spirals.net"), "--epochs", "1", "--steps", "5").exit());
        assertEquals(2, Examples.netc("train", ex("spirals.net"), "--bogus").exit());
        assertEquals(2, Examples.netc("frobnicate").exit());
        Examples.Run noData = Examples.netc("train", ex("mnist_softmax.net"), "--data", tmp.toString(), "--steps", "1");
        assertEquals(2, noData.exit());
        assertTrue(noData.err().contains("error:"), noData.err());
        assertFalse(noData.err().contains("at dev.netc"), noData.err());
    }

    /** Issue 10, item 15: netc bench --batch 100000000 was a raw OutOfMemoryError. */
    @Test
    void benchRefusesABatchTooLargeForMemoryAndAJsonOverTheModel() throws IOException {
        Examples.Run huge = Examples.netc("bench", ex("spirals.net"), "--batch", "100000000");
        assertEquals(2, huge.exit(), huge.err());
        assertTrue(huge.err().startsWith("error: batch 100000000 is too large: "), huge.err());
        assertTrue(huge.err().contains("more than a Java array can"), huge.err());
        assertFalse(huge.err().contains("Exception") || huge.err().contains("OutOfMemoryError"), huge.err());

        Path model = Files.writeString(tmp.resolve("s.net"), Files.readString(Examples.example("spirals.net")));
        Examples.Run over = Examples.netc("bench", model.toString(), "--steps", "1", "--warmup", "0", "--json", model.toString());
        assertEquals(2, over.exit(), over.err());
        assertTrue(over.err().contains("--json " + model + " would overwrite the model source"), over.err());
        assertEquals(Files.readString(Examples.example("spirals.net")), Files.readString(model));
    }

    @Test
    void irShowsTypedNodesAndTheGradientGraph() {
        Examples.Run plain = Examples.netc("ir", ex("oracle_332.net"));
        assertEquals(0, plain.exit(), plain.err());
        assertTrue(plain.out().contains("f32[B, 3]"), plain.out());
        Examples.Run grad = Examples.netc("ir", ex("mnist_softmax.net"), "--grad");
        assertEquals(0, grad.exit(), grad.err());
        assertTrue(grad.out().contains("grad/"), grad.out());
        assertTrue(grad.out().length() > plain.out().length());
    }

    @Test
    void graphWritesGraphvizDot() throws IOException {
        Path dot = tmp.resolve("cnn.dot");
        Examples.Run run = Examples.netc("graph", ex("mnist_cnn.net"), "-o", dot.toString());
        assertEquals(0, run.exit(), run.err());
        String text = Files.readString(dot);
        assertTrue(text.startsWith("digraph"), text);
        assertTrue(text.contains("conv2d") && text.contains("->"), text);
    }

    @Test
    void compileWritesReadableJavaWithOneMethodPerKernel() throws IOException {
        Examples.Run run = Examples.netc("compile", ex("mnist_cnn.net"), "--target", "java", "-o", tmp.toString());
        assertEquals(0, run.exit(), run.err());
        Path source;
        try (Stream<Path> s = Files.walk(tmp)) {
            source = s.filter(p -> p.toString().endsWith("MnistCnn.java")).findFirst().orElseThrow();
        }
        String java = Files.readString(source);
        assertTrue(java.contains("public void forward(boolean training)"), "forward pass");
        assertTrue(java.contains("public void backward()"), "backward pass");
        assertTrue(java.contains("public void update(float learningRate, int step)"), "optimizer update");
        assertTrue(java.matches("(?s).*private void k\\d+_conv2d\\w*\\(\\).*"), "named kernel methods");
        assertTrue(java.contains("conv2d("), "comments name the IR nodes a kernel implements");
    }

    @Test
    void trainWritesMetricsJsonAndEndsWithTheTestLine() throws IOException {
        Path metrics = tmp.resolve("m.json");
        Examples.Run run = Examples.netc("train", ex("spirals.net"), "--epochs", "2", "--no-progress", "--seed", "3",
                "--metrics", metrics.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.lastLine().matches("test_accuracy=0\\.\\d{4} test_loss=\\d+\\.\\d{4}"), run.lastLine());
        String json = Files.readString(metrics);
        assertTrue(json.contains("test_accuracy") && json.contains("loss"), json);
    }

    @Test
    void theSameSeedGivesTheSameRunEvenAsTheJitWarmsUp() {
        // the first run executes kernels interpreted, later ones JIT-compiled: results must not depend on that
        String first = Examples.netc("train", ex("spirals.net"), "--epochs", "3", "--no-progress", "--seed", "5").lastLine();
        String second = Examples.netc("train", ex("spirals.net"), "--epochs", "3", "--no-progress", "--seed", "5").lastLine();
        assertTrue(first.startsWith("test_accuracy="), first);
        assertEquals(first, second);
    }
}
