package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc eval --backend cuda} through the CLI jar on the CUDA simulator (scripts/cuda-sim.sh): a
 * checkpoint trained on the Java backend evaluates to the same test loss and accuracy on the CUDA
 * backend (printed to 4 digits), with {@code --precision tf32} too (spirals' GEMMs are small enough
 * that TF32 rounding does not show at 4 digits).
 */
class CudaEvalSimTest {
    @Test
    void evalOnTheCudaBackendPrintsWhatTheJavaBackendPrints(@TempDir Path tmp) throws Exception {
        Path root = Examples.root();
        Path jar = root.resolve("cli/target/netc.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "needs cli/target/netc.jar");
        String simulator = GpuScriptSimTest.run(root, Map.of("NETC_CUDA_SIM_HOME", root.resolve("runtime/target/cuda-sim").toString()), 300,
                "bash", root.resolve("scripts/cuda-sim.sh").toString()).strip();
        String spirals = root.resolve("examples/spirals.net").toString();
        Path weights = tmp.resolve("spirals.safetensors");
        netc(root, simulator, "train", spirals, "--steps", "20", "--no-progress", "--save", weights.toString());
        String onJava = lastLine(netc(root, simulator, "eval", spirals, "--weights", weights.toString()));
        assertTrue(onJava.startsWith("test_accuracy="), onJava);
        assertEquals(onJava, lastLine(netc(root, simulator, "eval", spirals, "--weights", weights.toString(), "--backend", "cuda")));
        assertEquals(onJava, lastLine(netc(root, simulator, "eval", spirals, "--weights", weights.toString(), "--backend", "cuda",
                "--precision", "tf32")));
    }

    /**
     * {@code netc bench --backend cuda --profile}: both builds train and infer through the CUDA runtime, same first
     * loss as Java, and the profile times every plan kernel's launches.
     */
    @Test
    void benchRunsBothBuildsOnTheCudaBackend() throws Exception {
        Path root = Examples.root();
        Assumptions.assumeTrue(Files.isRegularFile(root.resolve("cli/target/netc.jar")), "needs cli/target/netc.jar");
        String simulator = GpuScriptSimTest.run(root, Map.of("NETC_CUDA_SIM_HOME", root.resolve("runtime/target/cuda-sim").toString()), 300,
                "bash", root.resolve("scripts/cuda-sim.sh").toString()).strip();
        String spirals = root.resolve("examples/spirals.net").toString();
        String cuda = netc(root, simulator, "bench", spirals, "--backend", "cuda", "--profile", "--steps", "2", "--warmup", "1", "--batch", "8");
        String java = netc(root, simulator, "bench", spirals, "--steps", "2", "--warmup", "1", "--batch", "8");
        assertTrue(cuda.contains("CUDA backend"), cuda);
        assertTrue(cuda.contains("train images/s"), cuda);
        assertFalse(cuda.contains("FMA peak"), "no CPU peaks in a CUDA report:\n" + cuda);
        List<String> profiled = profileRows(cuda, "fused");
        assertEquals(kernels(cuda) + 1, profiled.size(), "every fused kernel and the update, timed:\n" + cuda);
        for (String row : profiled) assertTrue(Double.parseDouble(row.trim().split("\\s+")[2]) > 0, "a launch took no time? " + row);
        double[] onJava = firstLosses(java), onCuda = firstLosses(cuda);
        for (int k = 0; k < 2; k++) assertEquals(onJava[k], onCuda[k], 1e-4, "first loss, fused and unfused:\n" + java + "\n" + cuda);
    }

    /** The rows of a bench report's profile table of one build. */
    private static List<String> profileRows(String output, String build) {
        List<String> lines = output.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("profile of the " + build + " build")).findFirst()
                .orElseThrow(() -> new AssertionError("no profile of the " + build + " build:\n" + output)));
        List<String> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && !lines.get(i).startsWith("training step:"); i++) rows.add(lines.get(i));
        return rows;
    }

    /** The fused build's kernel count in a bench report. */
    private static int kernels(String output) {
        String line = output.lines().filter(l -> l.startsWith("kernels")).findFirst().orElseThrow();
        return Integer.parseInt(line.trim().split("\\s+")[1]);
    }

    /** The fused and unfused first losses of a bench report. */
    private static double[] firstLosses(String output) {
        String line = output.lines().filter(l -> l.startsWith("first loss")).findFirst().orElseThrow();
        String[] words = line.trim().split("\\s+");
        return new double[] {Double.parseDouble(words[2]), Double.parseDouble(words[3])};
    }

    private static String netc(Path root, String simulator, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-jar",
                root.resolve("cli/target/netc.jar").toString()));
        command.addAll(List.of(args));
        return GpuScriptSimTest.run(root, Map.of("NETC_CUDA_LIB_DIR", simulator), 300, command.toArray(String[]::new));
    }

    private static String lastLine(String output) { return output.strip().lines().reduce((a, b) -> b).orElse(""); }
}
