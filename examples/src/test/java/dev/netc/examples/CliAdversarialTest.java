package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 10, at the CLI: wrong answers, lost files and stack traces an adversarial pass found. Every
 * user error exits 2 with a message that says what and where, never a stack trace.
 */
class CliAdversarialTest {
    @TempDir Path tmp;

    /** A spirals classifier whose output is named by the test (HEAD and TRAIN put around a body). */
    private static final String SPIRALS = """
            model m {
              input x: f32[B, 2]
            BODY
            }

            train m {
              input y: i32[B]
              loss = softmax_cross_entropy(OUT, y)
              optimizer = adam(lr=0.02)
              batch = 32
              epochs = 2
              dataset = spirals(points=400)
              metrics = [accuracy]
            }
            """;

    private Path write(String name, String text) throws IOException { return Files.writeString(tmp.resolve(name), text); }

    private Path spirals(String name, String body, String output) throws IOException {
        return write(name, SPIRALS.replace("BODY", body).replace("OUT", output));
    }

    private static void userError(Examples.Run run, String message) {
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains(message), () -> "expected '" + message + "' in:\n" + run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), "no stack trace: " + run.err());
    }

    /** x = dense(x, 2); output x: the accuracy was computed from the input features, not the logits. */
    @Test
    void anOutputRebindingTheInputsNameTrainsExactlyLikeOneNamedLogits() throws IOException {
        Path rebound = spirals("rebound.net", "  x = dense(x, 16, activation=relu)\n  x = dense(x, 2)\n  output x", "x");
        Path named = spirals("named.net", "  h = dense(x, 16, activation=relu)\n  logits = dense(h, 2)\n  output logits", "logits");
        Examples.Run a = Examples.netc("train", rebound.toString(), "--no-progress", "--seed", "4");
        Examples.Run b = Examples.netc("train", named.toString(), "--no-progress", "--seed", "4");
        assertEquals(0, a.exit(), a.err());
        assertEquals(0, b.exit(), b.err());
        assertEquals(b.out().replaceAll("\\(.*img/s\\)", ""), a.out().replaceAll("\\(.*img/s\\)", ""));
    }

    /** param logits rebound as the output: ArrayIndexOutOfBoundsException. */
    @Test
    void aParameterNamedLikeTheOutputTrains() throws IOException {
        Path file = spirals("p.net", "  param logits: f32[2, 2] = normal(0.1)\n  logits = matmul(x, logits)\n  output logits", "logits");
        Examples.Run run = Examples.netc("train", file.toString(), "--no-progress");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.lastLine().matches("test_accuracy=0\\.\\d{4} test_loss=\\d+\\.\\d{4}"), run.out());
    }

    /** A parameter named loss: the printed losses were its value and check passed. */
    @Test
    void aParameterNamedLossIsRejectedByCheck() throws IOException {
        Path file = spirals("loss.net", "  param loss: f32[] = constant(7)\n  logits = dense(x, 2) * loss\n  output logits", "logits");
        userError(Examples.netc("check", file.toString()),
                "loss.net:3:9: error: parameter name 'loss' is reserved: the train block's loss is the model's buffer 'loss'");
        userError(Examples.netc("train", file.toString()), "parameter name 'loss' is reserved");
    }

    /** input x and param x: check said ok, train threw NullPointerException. */
    @Test
    void anInputAndAParameterWithOneNameAreACheckError() throws IOException {
        Path file = spirals("x.net", "  param x: f32[2, 2] = normal(0.1)\n  logits = dense(x, 2)\n  output logits", "logits");
        userError(Examples.netc("check", file.toString()), "x.net:3:9: error: parameter 'x' has the same name as input 'x'");
        userError(Examples.netc("train", file.toString()), "parameter 'x' has the same name as input 'x'");
    }

    /** A 3x3 pooling window on a 2x2 input was accepted at stride 3 and rejected at stride 1. */
    @Test
    void aPoolingWindowLargerThanTheInputIsRejectedWhateverTheStride() throws IOException {
        for (int stride : List.of(1, 3)) {
            Path file = write("pool" + stride + ".net", "model m {\n  input x: f32[B, 1, 2, 2]\n  h = max_pool(x, size=3, stride=" + stride
                    + ")\n  output h\n}\n");
            userError(Examples.netc("check", file.toString()),
                    "pool" + stride + ".net:3:7: error: max_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)");
        }
    }

    /** --epochs 50000000 and epochs = 2000000000: integer overflow, an internal error. */
    @Test
    void aRunTooLongToCountIsAUserError() throws IOException {
        userError(Examples.netc("train", Examples.example("spirals.net").toString(), "--epochs", "50000000", "--no-progress"),
                "error: 50,000,000 epochs of 50 steps each are 2,500,000,000 steps, more than a run can count (2,147,483,646)");
        Path file = write("long.net", SPIRALS.replace("BODY", "  logits = dense(x, 2)\n  output logits").replace("OUT", "logits")
                .replace("epochs = 2", "epochs = 2000000000"));
        userError(Examples.netc("train", file.toString(), "--no-progress"), "error: 2,000,000,000 epochs of 10 steps each");
        userError(Examples.netc("train", file.toString(), "--epochs", "3000000000"), "Invalid value for option '--epochs'");
    }

    /** param v: f32[65536, 65536] passed check and summary; train failed as an internal error. */
    @Test
    void aTensorTooLargeForAJavaArrayIsACheckError() throws IOException {
        Path file = write("big.net", "model m {\n  input x: f32[B, 2]\n  param v: f32[65536, 65536]\n  output x\n}\n");
        String message = "big.net:3:9: error: parameter 'v' of shape [65536, 65536] has 4,294,967,296 elements, more than a tensor "
                + "can hold (2,147,483,639, the largest Java array)";
        userError(Examples.netc("check", file.toString()), message);
        userError(Examples.netc("summary", file.toString()), message);
    }

    /** 40000x40000 failed with an OutOfMemoryError stack trace: a model too large for the heap is the user's to shrink. */
    @Test
    void aModelTooLargeForTheHeapIsAUserError() throws IOException, InterruptedException {
        Path file = spirals("oom.net", "  param v: f32[2, 40000000] = zeros\n  logits = dense(matmul(x, v), 2)\n  output logits", "logits");
        // a JVM with a small heap, so that 320 MB of parameter (and as much again for each optimizer buffer) do not fit
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.netc.cli.Main", "train", file.toString(), "--no-progress").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        // refused up front by the memory budget, or, should an allocation still fail, as out of memory
        assertTrue(err.matches("(?s).*error: (batch \\d+ is too large: .*use a smaller --batch.*|out of memory: the model's tensors do not fit "
                + "in the Java heap \\(at most \\d+ MiB\\); use a smaller model or batch size.*)"), err);
        assertFalse(err.contains("\tat "), err);
    }

    /** netc check /dev/zero ran out of memory after a minute. */
    @Test
    void devicesAndHugeFilesAreRefusedAtOnce() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        userError(Examples.netc("check", "/dev/zero"),
                "/dev/zero: error: cannot read: not a regular file (a device, pipe or socket?); netc reads .net source files");
        Path huge = tmp.resolve("huge.net");
        try (var f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength((64L << 20) + 1); // sparse
        }
        userError(Examples.netc("check", huge.toString()), "huge.net: error: cannot read: larger than 64 MiB, the limit for a .net source file");
        userError(Examples.netc("check", tmp.toString()), "error: is a directory, not a .net file");
    }

    @Test
    void aByteOrderMarkIsAcceptedAndTooManySyntaxErrorsAreCountedTruthfully() throws IOException {
        Path bom = tmp.resolve("bom.net");
        Files.write(bom, ("\uFEFF" + "model m {\n  input x: f32[B, 2]\n  output x\n}\n").getBytes(StandardCharsets.UTF_8));
        Examples.Run ok = Examples.netc("check", bom.toString());
        assertEquals(0, ok.exit(), ok.err());
        Path many = write("many.net", "model a { input x: f32[B, 4] y = ) output x }\n".repeat(30));
        Examples.Run run = Examples.netc("check", many.toString());
        userError(run, "10 more errors not shown\n30 errors");
        assertEquals(20, run.err().split(": error: ", -1).length - 1);
    }

    /** netc train --help exited 2 with "Missing required parameter"; netc train FILE --help said "Unknown option". */
    @Test
    void helpWorksOnEverySubcommand() {
        var commands = new CommandLine(new dev.netc.cli.Main()).getSubcommands().keySet();
        assertTrue(commands.containsAll(List.of("check", "summary", "ir", "graph", "compile", "train", "fusion", "bench", "eval")), commands::toString);
        for (String command : commands) {
            for (List<String> args : List.of(List.of(command, "--help"), List.of(command, "-h"), List.of(command, "model.net", "--help"))) {
                Examples.Run run = Examples.netc(args.toArray(String[]::new));
                assertEquals(0, run.exit(), () -> args + ": " + run.err());
                assertTrue(run.out().contains("Usage: netc " + command) || command.equals("help"), () -> args + ": " + run.out());
            }
        }
    }

    /** --log-every was silently ignored in epoch mode. */
    @Test
    void logEveryInEpochModeIsRejected() {
        String spirals = Examples.example("spirals.net").toString();
        userError(Examples.netc("train", spirals, "--log-every", "5"), "error: --log-every applies to runs counted in steps "
                + "(--steps N, or steps = N in the train block); this run counts epochs (epochs = 30 in the train block) and logs once per epoch");
        userError(Examples.netc("train", spirals, "--epochs", "1", "--log-every", "5"), "this run counts epochs (--epochs)");
        Examples.Run steps = Examples.netc("train", spirals, "--steps", "6", "--log-every", "2", "--no-progress");
        assertEquals(0, steps.exit(), steps.err());
        assertEquals(3, steps.out().lines().filter(l -> l.startsWith("step ")).count(), steps.out());
    }

    /** --arch sm_1 was accepted. */
    @Test
    void cudaArchitecturesAreValidated() {
        for (String arch : List.of("sm_1", "sm_35", "compute_20", "sm80", "gfx90a", "sm_")) {
            userError(Examples.netc("compile", Examples.example("spirals.net").toString(), "--target", "cuda", "--arch", arch,
                    "-o", tmp.resolve("out").toString()), "error: --arch '" + arch + "' is not a CUDA architecture netc compiles for: "
                    + "expected compute_XY (PTX) or sm_XY (CUBIN) with XY a compute capability of at least 50, e.g. sm_80 or compute_90");
        }
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    /** --precision and fusion --target cuda: unknown values and tf32 outside the CUDA backend are user errors. */
    @Test
    void precisionAndCudaFusionOptionsAreValidated() {
        String spirals = Examples.example("spirals.net").toString();
        userError(Examples.netc("fusion", spirals, "--target", "cuda", "--precision", "fp16"),
                "error: unknown --precision 'fp16' (available: fp32, tf32)");
        userError(Examples.netc("train", spirals, "--steps", "1", "--precision", "tf32"),
                "error: --precision tf32 applies to the CUDA backend only");
        userError(Examples.netc("fusion", spirals, "--target", "cuda", "--gpu", "b200"), "error: --gpu: unknown GPU 'b200' (known: a100, h100, h200)");
        userError(Examples.netc("fusion", spirals, "--target", "opencl"), "error: unknown target 'opencl' (available: java, cuda)");
        Examples.Run report = Examples.netc("fusion", Examples.example("mnist_cnn.net").toString(), "--target", "cuda", "--precision", "tf32",
                "--batch", "64");
        assertEquals(0, report.exit(), report.err());
        assertTrue(report.out().contains("GEMM precision tf32"), report.out());
        assertTrue(report.out().contains("GPU assumed: H100 SXM"), report.out());
        assertTrue(report.out().contains("registers: needs a GPU"), report.out());
        assertTrue(report.out().contains("split-K 128"), report.out());
    }

    /** Every command printed the JVM's "WARNING: Using incubator modules: jdk.incubator.vector" first. */
    @Test
    void theLauncherDropsTheIncubatorWarningAndKeepsEverythingElse() throws IOException, InterruptedException {
        Path script = Examples.root().resolve("scripts/quiet-jvm.sh");
        // what ./netc does, with a stand-in for java that prints the warning, other stderr (a partial line last) and fails
        String launcher = "source '" + script + "'\nexec bash -c 'echo \"WARNING: Using incubator modules: jdk.incubator.vector\" >&2; "
                + "echo out; echo \"error: kept\" >&2; printf \"partial\\r\" >&2; exit 3' 2> >(drop_incubator_warning >&2)\n";
        // stderr to a file: the filter is a grandchild that may write after the launcher exits, when
        // Java's process pipes have already been drained and closed
        Path errFile = tmp.resolve("launcher.err");
        Process p = new ProcessBuilder("bash", "-c", launcher).redirectError(errFile.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), "java's exit code");
        assertEquals("out\n", out);
        String err = "";
        for (int i = 0; i < 100 && !err.endsWith("partial\r"); i++) {
            Thread.sleep(50);
            err = Files.readString(errFile);
        }
        assertEquals("error: kept\npartial\r", err);
        // the launcher uses it
        assertTrue(Files.readString(Examples.root().resolve("netc")).contains("2> >(drop_incubator_warning >&2)"));
    }
}
