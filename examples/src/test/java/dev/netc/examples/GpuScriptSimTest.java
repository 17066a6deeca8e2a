package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/gpu/run.sh, the script a GPU machine runs, run here against the CUDA simulator
 * (scripts/cuda-sim.sh) in quick mode, from the build tree instead of a bundle: it must pass every
 * step, end with "N passed, 0 failed" and leave its results in OUT. Lives in this module because the
 * script drives the CLI jar, which exists only after the cli module is packaged.
 */
class GpuScriptSimTest {
    @Test
    void theDeviceScriptPassesOnTheSimulator(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Examples.hasMnist(), Examples.NO_MNIST);
        Path root = Examples.root();
        Path jar = root.resolve("cli/target/netc.jar"), testClasses = root.resolve("runtime/target/test-classes");
        Assumptions.assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(testClasses), "needs cli/target/netc.jar and runtime's test classes");
        String simulator = run(root, Map.of("NETC_CUDA_SIM_HOME", root.resolve("runtime/target/cuda-sim").toString()), 300,
                "bash", root.resolve("scripts/cuda-sim.sh").toString()).strip();

        // the layout of a bundle: examples/ and a slice of MNIST in data/mnist
        Path project = Files.createDirectories(tmp.resolve("project"));
        Files.createSymbolicLink(project.resolve("examples"), root.resolve("examples"));
        Path mnist = Files.createDirectories(project.resolve("data/mnist"));
        for (String split : List.of("train", "t10k")) {
            slice(Examples.mnist().resolve(split + "-images-idx3-ubyte.gz"), mnist.resolve(split + "-images-idx3-ubyte.gz"), 16, 784, 500);
            slice(Examples.mnist().resolve(split + "-labels-idx1-ubyte.gz"), mnist.resolve(split + "-labels-idx1-ubyte.gz"), 8, 1, 500);
        }
        List<String> classpath = new ArrayList<>(List.of(jar.toString(), testClasses.toString()));
        Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(p -> p.contains("junit-jupiter-api") || p.contains("opentest4j")).forEach(classpath::add);
        Path out = tmp.resolve("out");
        String output = run(root, Map.of("OUT", out.toString(), "NETC_GPU_QUICK", "1", "NETC_CUDA_LIB_DIR", simulator,
                        "NETC_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "NETC_CLASSPATH", String.join(java.io.File.pathSeparator, classpath), "NETC_PROJECT_ROOT", project.toString()),
                560, "bash", root.resolve("bench/gpu/run.sh").toString());
        List<String> lines = output.lines().toList();
        assertTrue(lines.getLast().matches("\\d+ passed, 0 failed"), output);
        assertTrue(Files.isRegularFile(out.resolve("gpu-netc_CUDA_simulator.md")), output);
        assertTrue(Files.readString(out.resolve("gpu-netc_CUDA_simulator.json")).contains("\"failed\": 0"), output);
    }

    /** The first {@code count} records of an idx.gz file, its header's count field rewritten. */
    static void slice(Path from, Path to, int header, int recordBytes, int count) throws IOException {
        byte[] head, body;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(from))) {
            head = in.readNBytes(header);
            body = in.readNBytes(count * recordBytes);
        }
        head[4] = (byte) (count >>> 24);
        head[5] = (byte) (count >>> 16);
        head[6] = (byte) (count >>> 8);
        head[7] = (byte) count;
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(to))) {
            o.write(head);
            o.write(body);
        }
    }

    /** Runs a command in dir with extra environment; its output (stdout and stderr) when it exits 0 in time. */
    static String run(Path dir, Map<String, String> env, int seconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(bytes);
            } catch (IOException e) {
                // the process died: its exit status says so
            }
        });
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        reader.join();
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(done, String.join(" ", command) + " timed out:\n" + output);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
