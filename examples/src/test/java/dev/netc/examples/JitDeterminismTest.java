package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 3: a seed gave different weights from run to run for fused tanh/sigmoid models, and
 * resuming was not bit-exact either, because the vectorised exp/tanh were SVML intrinsics under C2 but
 * per-lane {@code Math} calls in C1 and the interpreter, so the bits depended on when the JIT compiled
 * each kernel. Here one run of 300 steps in a child JVM limited to C1 must save the same parameters
 * and optimizer state, bit for bit, as the same run made of 150 steps in a JVM with the default tiers
 * compiling in the foreground ({@code -Xbatch}, so C2 code surely runs) and 150 more, resumed from
 * its checkpoint, in a JVM with default flags. (With the intrinsics, C1-only, -Xbatch and default
 * runs all ended with different weights.)
 */
class JitDeterminismTest {
    @TempDir Path dir;

    private static final String MODEL = """
            model ts {
              input x: f32[B, 2]
              h = dense(x, 64, activation=tanh)
              h = dense(h, 64, activation=sigmoid)
              h = dense(h, 32, activation=tanh)
              logits = dense(h, 2)
              output logits
            }

            train ts {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = adam(lr=0.01)
              batch = 32
              epochs = 30
              dataset = spirals(points=2000, noise=0.05, turns=1.5)
              metrics = [accuracy]
            }
            """;

    @Test
    void aFusedTanhSigmoidRunGivesTheSameBitsWhicheverJitTierRunsItAndAcrossAResume() throws Exception {
        Path net = Files.writeString(dir.resolve("ts.net"), MODEL);
        Path whole = dir.resolve("whole.safetensors"), half = dir.resolve("half.safetensors"), resumed = dir.resolve("resumed.safetensors");
        String c1 = train(List.of("-XX:TieredStopAtLevel=1"), net, "--steps", "300", "--save", whole.toString());
        train(List.of("-Xbatch"), net, "--steps", "150", "--save", half.toString());
        String rest = train(List.of(), net, "--steps", "300", "--resume", half.toString(), "--save", resumed.toString());
        assertTrue(lastLine(c1).contains("test_loss="), c1);
        assertEquals(lastLine(c1), lastLine(rest));
        assertEquals(sha256(tensorBytes(whole)), sha256(tensorBytes(resumed)),
                "checkpoint tensors of the C1-only run and of the -Xbatch run resumed with default flags");
    }

    private static String lastLine(String out) { return out.strip().lines().reduce((a, b) -> b).orElse(""); }

    private static String sha256(byte[] bytes) throws java.security.NoSuchAlgorithmException {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** netc train in a child JVM with the given flags, with --seed 1 and the given options; its stdout and stderr. */
    private static String train(List<String> jvmFlags, Path net, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Xss16m", "-XX:+UseParallelGC", "-Xmx1g"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.netc.cli.Main",
                "train", net.toString(), "--seed", "1", "--no-progress"));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, p.exitValue(), jvmFlags + ": " + out);
        return out;
    }

    /** The tensor data of a safetensors file: everything after the header (which holds timings). */
    private static byte[] tensorBytes(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return Arrays.copyOfRange(bytes, (int) (8 + header), bytes.length);
    }
}
