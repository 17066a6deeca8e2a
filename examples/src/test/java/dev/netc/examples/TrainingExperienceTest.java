package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.checkpoint.TensorData;
import dev.netc.runtime.cuda.CudaAvailability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training experience through the CLI: checkpoints (safetensors, atomic, bit-for-bit resume),
 * {@code netc eval}, divergence, plots and metrics, CIFAR-10 and CSV data, and the error (exit 2) for
 * every damaged or mismatched file. Data files are generated in a temp directory.
 */
class TrainingExperienceTest {
    /** A small spirals classifier with dropout, so resuming must also restore the dropout stream. */
    static final String SPIRALS = """
            model sp {
              input x: f32[B, 2]
              h = dense(x, HIDDEN, activation=relu)
              h = dropout(h, rate=0.2)
              logits = dense(h, 2)
              output logits
            }

            train sp {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = adam(lr=0.02)
              batch = 16
              epochs = 2
              dataset = spirals(points=200)
              metrics = [accuracy]
            }
            """;

    @TempDir Path dir;

    Path spirals(String name, int hidden) throws IOException {
        return Files.writeString(dir.resolve(name), SPIRALS.replace("HIDDEN", Integer.toString(hidden)));
    }

    static Examples.Run ok(String... args) {
        Examples.Run r = Examples.netc(args);
        assertEquals(0, r.exit(), () -> String.join(" ", args) + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    /** Runs a command that must fail as a user error; returns its stderr. */
    static String userError(String... args) {
        Examples.Run r = Examples.netc(args);
        assertEquals(2, r.exit(), () -> String.join(" ", args) + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertTrue(!r.err().contains("Exception") && !r.err().contains("internal error"), r.err());
        return r.err().strip();
    }

    @Test
    void resumingFromTheMiddleGivesBitForBitTheUninterruptedRun() throws IOException {
        Path net = spirals("sp.net", 16);
        // 160 training points / 16 = 10 steps per epoch: step 12 is in the middle of epoch 2, step 24 in epoch 3.
        Examples.Run whole = ok("train", net.toString(), "--steps", "24", "--seed", "5", "--save", dir.resolve("whole.st").toString(),
                "--no-progress");
        ok("train", net.toString(), "--steps", "12", "--seed", "5", "--save", dir.resolve("half.st").toString(), "--no-progress");
        Examples.Run resumed = ok("train", net.toString(), "--steps", "24", "--resume", dir.resolve("half.st").toString(),
                "--save", dir.resolve("resumed.st").toString(), "--no-progress");

        assertTrue(resumed.out().startsWith("resumed from " + dir.resolve("half.st") + " at step 12 of 24"), resumed.out());
        Checkpoint a = Checkpoints.load(dir.resolve("whole.st")), b = Checkpoints.load(dir.resolve("resumed.st"));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        assertTrue(a.tensors().keySet().containsAll(java.util.List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias")),
                a.tensors().keySet().toString());
        assertTrue(a.tensors().keySet().stream().anyMatch(k -> k.startsWith("optimizer::adam_")), "optimizer state is saved too");
        for (var e : a.tensors().entrySet()) {
            float[] x = e.getValue().values(), y = b.tensors().get(e.getKey()).values();
            assertEquals(x.length, y.length, e.getKey());
            for (int i = 0; i < x.length; i++)
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), e.getKey() + "[" + i + "]");
        }
        assertEquals(24, b.requireState().step());
        assertEquals(5, b.requireState().seed(), "the seed comes from the checkpoint");
        assertEquals(whole.lastLine(), resumed.lastLine());
    }

    /** Parses a file netc wrote exactly as the safetensors specification describes the format. */
    @Test
    void checkpointsFollowTheSafetensorsLayout() throws IOException {
        Path net = spirals("sp.net", 8);
        Path file = dir.resolve("w.safetensors");
        ok("train", net.toString(), "--steps", "3", "--save", file.toString(), "--no-progress");
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buffer.getLong(0);
        assertTrue(headerLength > 0 && 8 + headerLength <= bytes.length);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        long dataLength = bytes.length - 8 - headerLength, next = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            JsonNode entry = field.getValue();
            if (field.getKey().equals("__metadata__")) {
                entry.properties().forEach(m -> assertTrue(m.getValue().isTextual(), "metadata " + m.getKey() + " is a string"));
                assertEquals("3", entry.get("step").textValue());
                assertEquals("sp", entry.get("model").textValue());
                continue;
            }
            assertEquals("F32", entry.get("dtype").textValue());
            long elements = 1;
            for (JsonNode d : entry.get("shape")) elements *= d.longValue();
            long begin = entry.get("data_offsets").get(0).longValue(), end = entry.get("data_offsets").get(1).longValue();
            assertEquals(next, begin, field.getKey() + " follows the previous tensor");
            assertEquals(4 * elements, end - begin, field.getKey());
            next = end;
        }
        assertEquals(dataLength, next, "the tensors fill the data section");
        JsonNode kernel = header.get("dense/kernel");
        assertEquals("[2,8]", kernel.get("shape").toString());
        float first = buffer.getFloat((int) (8 + headerLength + kernel.get("data_offsets").get(0).longValue()));
        assertEquals(Checkpoints.load(file).tensors().get("dense/kernel").values()[0], first, "little-endian f32");
    }

    @Test
    void evalReportsTheTestMetricsOfTheWeights() throws IOException {
        Path net = spirals("sp.net", 16);
        Path weights = dir.resolve("w.st");
        Examples.Run trained = ok("train", net.toString(), "--epochs", "3", "--save", weights.toString(), "--no-progress");
        Examples.Run eval = ok("eval", net.toString(), "--weights", weights.toString(), "--batch", "7");
        Matcher m = Pattern.compile("test_accuracy=(0\\.\\d{4}|1\\.0000) test_loss=(\\d+\\.\\d{4})").matcher(eval.lastLine());
        assertTrue(m.matches(), eval.lastLine());
        Matcher t = Pattern.compile("test_accuracy=(\\S+) test_loss=(\\S+)").matcher(trained.lastLine());
        assertTrue(t.matches(), trained.lastLine());
        assertEquals(t.group(1), m.group(1), "same weights, same test split, same accuracy");
        assertEquals(Double.parseDouble(t.group(2)), Double.parseDouble(m.group(2)), 2e-4);
    }

    @Test
    void mismatchedWeightsAreClearErrors() throws IOException {
        Path net = spirals("sp.net", 16);
        Path weights = dir.resolve("w.st");
        ok("train", net.toString(), "--steps", "2", "--save", weights.toString(), "--no-progress");

        assertEquals("error: " + weights + ": tensor 'dense/kernel' has shape [2, 16], the model expects [2, 32]",
                userError("eval", spirals("wide.net", 32).toString(), "--weights", weights.toString()));

        Checkpoint c = Checkpoints.load(weights);
        Path partial = dir.resolve("partial.st");
        Files.write(partial, safetensors(Map.of("dense/kernel", c.tensors().get("dense/kernel")), "F32"));
        assertTrue(userError("eval", net.toString(), "--weights", partial.toString())
                .startsWith("error: " + partial + ": tensor 'dense/bias' is missing (the model needs it; the file holds dense/kernel)"));

        Path half = dir.resolve("half.st");
        Files.write(half, safetensors(Map.of("dense/kernel", c.tensors().get("dense/kernel")), "F16"));
        assertEquals("error: " + half + ": tensor 'dense/kernel' is F16 [2, 16], the model expects F32 [2, 16]",
                userError("eval", net.toString(), "--weights", half.toString()));
    }

    @Test
    void damagedCheckpointsAreClearErrors() throws IOException {
        Path net = spirals("sp.net", 16);
        Path weights = dir.resolve("w.st");
        ok("train", net.toString(), "--steps", "2", "--save", weights.toString(), "--no-progress");
        byte[] bytes = Files.readAllBytes(weights);

        Path truncated = Files.write(dir.resolve("truncated.st"), Arrays.copyOf(bytes, bytes.length - 10));
        assertTrue(userError("eval", net.toString(), "--weights", truncated.toString()).contains("the file is truncated"));
        assertTrue(userError("train", net.toString(), "--resume", truncated.toString()).contains("the file is truncated"));

        byte[] flipped = bytes.clone();
        flipped[flipped.length - 6] ^= 0x40;
        Path corrupt = Files.write(dir.resolve("corrupt.st"), flipped);
        assertTrue(userError("eval", net.toString(), "--weights", corrupt.toString())
                .startsWith("error: " + corrupt + ": corrupt: the file does not match its checksum"));

        Path text = Files.writeString(dir.resolve("text.st"), "these are not weights at all");
        assertTrue(userError("eval", net.toString(), "--weights", text.toString()).contains("is impossible for a file of 28 bytes"));
        assertEquals("error: " + dir.resolve("none.st") + ": no such file",
                userError("eval", net.toString(), "--weights", dir.resolve("none.st").toString()));
    }

    @Test
    void divergenceStopsWithTheStepAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path net = spirals("sp.net", 16);
        Path save = dir.resolve("run.st");
        Path metrics = dir.resolve("m.json");
        String err = userError("train", net.toString(), "--steps", "40", "--log-every", "1", "--lr", "1e30", "--save", save.toString(),
                "--metrics", metrics.toString(), "--no-progress");
        Matcher m = Pattern.compile("error: loss became (NaN|-?Infinity) at step (\\d+) \\(epoch \\d+\\); kept the last good checkpoint "
                + Pattern.quote(save.toString()) + " \\(step (\\d+)\\)").matcher(err);
        assertTrue(m.matches(), err);
        int failed = Integer.parseInt(m.group(2)), kept = Integer.parseInt(m.group(3));
        assertEquals(failed - 1, kept);
        Checkpoint last = Checkpoints.load(save);
        assertEquals(kept, last.requireState().step());
        for (TensorData t : last.tensors().values())
            for (float v : t.values()) assertTrue(Float.isFinite(v));
        JsonNode json = new ObjectMapper().readTree(metrics.toFile());
        assertTrue(json.get("error").textValue().contains("at step " + failed), json.toString());
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "sp.net, run.st, m.json: no temp file left behind");
        }
    }

    @Test
    void plotAndMetricsFiles() throws IOException {
        Path net = spirals("sp.net", 16);
        Path png = dir.resolve("plots/curves.png"), metrics = dir.resolve("m.json");
        ok("train", net.toString(), "--epochs", "2", "--plot", png.toString(), "--metrics", metrics.toString(), "--no-progress");
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000, bytes.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8));
        JsonNode json = new ObjectMapper().readTree(metrics.toFile());
        assertEquals(2, json.get("history").size());
        for (JsonNode h : json.get("history"))
            for (String key : new String[] {"train_loss", "train_accuracy", "test_loss", "test_accuracy"})
                assertTrue(h.get(key).isNumber(), key + " in " + h);
        assertTrue(json.get("completed").booleanValue());
        assertTrue(json.get("final").get("test_accuracy").isNumber());
    }

    static final String CIFAR = """
            model tiny_cifar {
              input x: f32[B, 3, 32, 32]
              logits = dense(flatten(x), 10)
              output logits
            }

            train tiny_cifar {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = sgd(lr=0.01)
              batch = 4
              steps = 3
              dataset = cifar10(normalize=standard)
              metrics = [accuracy]
            }
            """;

    /** {@code records} CIFAR-10 binary records: a label byte, then 3072 pixel bytes. */
    static byte[] cifarRecords(int records) {
        byte[] bytes = new byte[records * 3073];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i % 3073 == 0 ? (i / 3073) % 10 : i * 31);
        return bytes;
    }

    @Test
    void cifar10BatchesTrainAndTruncatedOnesFail() throws IOException {
        Path net = Files.writeString(dir.resolve("cifar.net"), CIFAR);
        Path data = Files.createDirectory(dir.resolve("cifar"));
        for (int k = 1; k <= 5; k++) Files.write(data.resolve("data_batch_" + k + ".bin"), cifarRecords(4));
        Files.write(data.resolve("test_batch.bin"), cifarRecords(5));
        Examples.Run run = ok("train", net.toString(), "--data", data.toString(), "--no-progress");
        assertTrue(run.lastLine().matches("test_accuracy=\\d\\.\\d{4} test_loss=\\d+\\.\\d{4}"), run.out());

        Files.write(data.resolve("test_batch.bin"), Arrays.copyOf(cifarRecords(5), 5 * 3073 - 1));
        assertEquals("error: test_batch.bin: truncated: 15364 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixels);"
                + " the record at byte offset 12292 has only 3072 bytes", userError("train", net.toString(), "--data", data.toString()));
        assertTrue(userError("train", net.toString()).startsWith("error: dataset cifar10 needs its files: pass --data DIR"));
    }

    static final String CSV = """
            model flowers {
              input x: f32[B, 3]
              h = dense(x, 8, activation=relu)
              logits = dense(h, 3)
              output logits
            }

            train flowers {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = adam(lr=0.05)
              batch = 4
              epochs = 5
              dataset = csv(path="flowers.csv", test="flowers-test.csv", label="species", normalize=standard)
              metrics = [accuracy]
            }
            """;

    static String flowers(int rows, int seed) {
        StringBuilder csv = new StringBuilder("length,species,width,height\n");
        String[] names = {"daisy", "rose", "tulip"};
        for (int i = 0; i < rows; i++) {
            int c = (i * 7 + seed) % 3;
            csv.append(10 + c * 5 + i % 3).append(',').append(names[c]).append(',').append(c * 2.5 + (i % 5) * 0.1).append(',')
                    .append(100 - c * 30).append('\n');
        }
        return csv.toString();
    }

    @Test
    void csvFilesTrainAndBadRowsNameTheLine() throws IOException {
        Path net = Files.writeString(dir.resolve("flowers.net"), CSV);
        Files.writeString(dir.resolve("flowers.csv"), flowers(60, 0));
        Files.writeString(dir.resolve("flowers-test.csv"), flowers(15, 1));
        Examples.Run run = ok("train", net.toString(), "--no-progress");
        assertTrue(run.lastLine().matches("test_accuracy=\\d\\.\\d{4} test_loss=\\d+\\.\\d{4}"), run.out());
        assertTrue(Double.parseDouble(run.lastLine().substring("test_accuracy=".length(), "test_accuracy=".length() + 6)) > 0.9,
                run.out());

        Files.writeString(dir.resolve("flowers.csv"), flowers(60, 0) + "12,rose,oops,70\n");
        assertEquals("error: flowers.csv:62: column 3 ('width'): 'oops' is not a number", userError("train", net.toString()));
        Files.writeString(dir.resolve("flowers.csv"), flowers(60, 0) + "12,rose,1.5\n");
        assertEquals("error: flowers.csv:62: has 3 columns, expected 4 (as in line 1)", userError("train", net.toString()));
        Files.writeString(dir.resolve("flowers.csv"), flowers(60, 0));
        Files.writeString(dir.resolve("flowers-test.csv"), flowers(15, 1) + "11,lily,2.0,40\n");
        assertEquals("error: flowers-test.csv:17: label 'lily' is not one of the labels of flowers.csv (daisy, rose, tulip)",
                userError("train", net.toString()));
    }

    @Test
    void cudaBackendWithoutCudaNamesWhatIsMissing() throws IOException {
        Assumptions.assumeTrue(CudaAvailability.problem().isPresent(), "this machine has CUDA");
        String err = userError("train", spirals("sp.net", 8).toString(), "--backend", "cuda");
        assertTrue(err.startsWith("error: --backend cuda: no "), err);
        assertTrue(err.contains("libcuda.so.1") || err.contains("libnvrtc"), err);
        assertTrue(err.contains("NETC_CUDA_LIB_DIR"), err);
    }

    @Test
    void resumeMustContinueTheSameRun() throws IOException {
        Path net = spirals("sp.net", 8);
        Path save = dir.resolve("run.st");
        ok("train", net.toString(), "--steps", "4", "--seed", "3", "--save", save.toString(), "--no-progress");
        assertEquals("error: " + save + ": was trained with seed 3, this run has seed 4; resume with --seed 3 to continue the same run",
                userError("train", net.toString(), "--steps", "8", "--seed", "4", "--resume", save.toString()));
        assertTrue(userError("train", net.toString(), "--steps", "4", "--resume", save.toString())
                .contains("is already at step 4 of a run of 4 steps"));
    }

    // ---- issue 10: wrong answers, lost files and stack traces ----

    /** Item 5: a block named momentum (SGD momentum) and a layer named adam_m/dense (Adam) share names with optimizer state. */
    @Test
    void optimizerStateNeverOverwritesAParameterWithItsName() throws IOException {
        for (String optimizer : new String[] {"sgd(lr=0.05, momentum=0.9)", "adam(lr=0.01)"}) {
            Path net = Files.writeString(dir.resolve("clash.net"), """
                    block momentum(x) {
                      return dense(x, 8, activation=relu)
                    }
                    block adam_m(x) {
                      return dense(x, 6)
                    }
                    model clash {
                      input x: f32[B, 2]
                      h = dense(x, 4, activation=relu)
                      h = momentum(h)
                      h = adam_m(h)
                      logits = dense(h, 2)
                      output logits
                    }
                    train clash {
                      input y: i32[B]
                      loss = softmax_cross_entropy(logits, y)
                      optimizer = OPTIMIZER
                      batch = 16
                      dataset = spirals(points=200)
                    }
                    """.replace("OPTIMIZER", optimizer));
            Path save = dir.resolve("clash.st");
            ok("train", net.toString(), "--steps", "3", "--save", save.toString(), "--no-progress");
            Checkpoint c = Checkpoints.load(save);
            assertEquals("[4, 8]", Arrays.toString(c.tensors().get("momentum/dense/kernel").shape()), optimizer);
            assertEquals("[8, 6]", Arrays.toString(c.tensors().get("adam_m/dense/kernel").shape()), optimizer);
            ok("train", net.toString(), "--steps", "6", "--resume", save.toString(), "--save", save.toString(), "--no-progress");
            ok("eval", net.toString(), "--weights", save.toString());
        }
    }

    /** Item 6: outputs are checked against each other and the inputs before training; nothing is written. */
    @Test
    void outputsThatWouldOverwriteEachOtherOrAnInputAreRefusedBeforeTraining() throws IOException {
        Path net = spirals("sp.net", 8);
        String source = Files.readString(net);
        Path x = dir.resolve("x.out");
        Examples.Run both = Examples.netc("train", net.toString(), "--steps", "3", "--save", x.toString(), "--metrics", x.toString());
        assertEquals(2, both.exit());
        assertEquals("error: --save and --metrics name the same file " + x + "; give each output its own file", both.err().strip());
        assertEquals("", both.out(), "refused before training");
        assertTrue(Files.notExists(x));
        assertTrue(userError("train", net.toString(), "--steps", "3", "--save", x.toString(), "--plot", x.toString())
                .startsWith("error: --save and --plot name the same file"));
        assertEquals("error: --save " + net + " would overwrite the model source " + net + "; write it to another file",
                userError("train", net.toString(), "--steps", "3", "--save", net.toString()));
        assertEquals(source, Files.readString(net), "the model source is untouched");

        Path run = dir.resolve("run.st");
        ok("train", net.toString(), "--steps", "3", "--save", run.toString(), "--no-progress");
        byte[] saved = Files.readAllBytes(run);
        assertTrue(userError("train", net.toString(), "--steps", "6", "--resume", run.toString(), "--plot", run.toString())
                .startsWith("error: --plot " + run + " would overwrite the --resume checkpoint"));
        assertArrayEquals(saved, Files.readAllBytes(run));
        ok("train", net.toString(), "--steps", "6", "--resume", run.toString(), "--save", run.toString(), "--no-progress");

        Path csvNet = Files.writeString(dir.resolve("flowers.net"), CSV);
        Path data = Files.writeString(dir.resolve("flowers.csv"), flowers(60, 0));
        Files.writeString(dir.resolve("flowers-test.csv"), flowers(15, 1));
        assertEquals("error: --metrics " + data + " would overwrite the data file " + data + "; write it to another file",
                userError("train", csvNet.toString(), "--metrics", data.toString()));
        Path dot = dir.resolve("g.dot");
        assertTrue(userError("graph", net.toString(), "-o", net.toString()).contains("would overwrite the model source"));
        ok("graph", net.toString(), "-o", dot.toString());
    }

    /** Item 7: a save through a symbolic link updates the file it points to; a device or FIFO is never replaced. */
    @Test
    void savesWriteThroughSymbolicLinksAndNeverReplaceADevice() throws Exception {
        Path net = spirals("sp.net", 8);
        Path real = Files.createDirectory(dir.resolve("runs")).resolve("real.st");
        Path link = Files.createSymbolicLink(dir.resolve("latest.st"), Path.of("runs/real.st"));
        ok("train", net.toString(), "--steps", "3", "--save", link.toString(), "--no-progress");
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals(3, Checkpoints.load(real).requireState().step(), "its target holds the checkpoint");
        ok("train", net.toString(), "--steps", "5", "--resume", link.toString(), "--save", link.toString(), "--no-progress");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(5, Checkpoints.load(real).requireState().step(), "and is updated, not left stale");

        Path fifo = dir.resolve("pipe");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is not available");
        Examples.Run r = Examples.netc("train", net.toString(), "--steps", "3", "--save", fifo.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--save " + fifo + ": cannot be written: it is not a regular file"), r.err());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "still a FIFO");
    }

    /** Item 8: the temp files of an interrupted save are deleted by the next save. */
    @Test
    void theNextSaveDeletesTheTempFilesOfAnInterruptedOne() throws Exception {
        Path net = spirals("sp.net", 8);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.write(dir.resolve(".run.st.netc-" + gone.pid() + "-5eed.tmp"), new byte[4096]);
        Path older = Files.write(dir.resolve(".run.st.0123456789abcdef.tmp"), new byte[4096]);
        ok("train", net.toString(), "--steps", "3", "--save", dir.resolve("run.st").toString(), "--no-progress");
        assertTrue(Files.notExists(stale) && Files.notExists(older));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("run.st", "sp.net"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** Item 9: a resume with another model, optimizer, learning rate or dataset is refused, naming what changed. */
    @Test
    void resumeRefusesAnotherRunAndNamesWhatChanged() throws IOException {
        Path net = spirals("sp.net", 8);
        Path save = dir.resolve("run.st");
        ok("train", net.toString(), "--steps", "4", "--save", save.toString(), "--no-progress");
        String resume = save.toString();

        assertEquals("error: " + save + ": was trained with learning rate 0.02, this run has learning rate 0.05; resume with the same"
                + " settings to continue the same run, or pass --allow-changed-run to continue it with this change",
                userError("train", net.toString(), "--steps", "8", "--resume", resume, "--lr", "0.05"));
        Path tanh = Files.writeString(dir.resolve("tanh.net"), Files.readString(net).replace("activation=relu", "activation=tanh"));
        assertTrue(userError("train", tanh.toString(), "--steps", "8", "--resume", resume)
                .startsWith("error: " + save + ": was trained with model sha256:"));
        Path beta = Files.writeString(dir.resolve("beta.net"), Files.readString(net).replace("adam(lr=0.02)", "adam(lr=0.02, beta1=0.8)"));
        assertTrue(userError("train", beta.toString(), "--steps", "8", "--resume", resume)
                .startsWith("error: " + save + ": was trained with optimizer adam(beta1=0.9, beta2=0.999, epsilon=0.0000001), this run has"
                        + " optimizer adam(beta1=0.8,"));
        Path points = Files.writeString(dir.resolve("points.net"), Files.readString(net).replace("points=200", "points=300"));
        assertTrue(userError("train", points.toString(), "--steps", "8", "--resume", resume)
                .startsWith("error: " + save + ": was trained with dataset spirals(points=200), this run has dataset spirals(points=300)"));
        assertTrue(userError("train", net.toString(), "--steps", "8", "--resume", resume, "--no-fuse")
                .startsWith("error: " + save + ": was trained with fusion on, this run has fusion off"));

        Examples.Run changed = ok("train", net.toString(), "--steps", "8", "--resume", resume, "--lr", "0.05", "--allow-changed-run",
                "--no-progress");
        assertEquals("note: the run continues with another learning rate: 0.05 (the checkpoint's: 0.02), as --allow-changed-run allows",
                changed.out().lines().toList().get(1));
    }

    /** Item 10: the checksum covers the header; a netc checkpoint without it is refused by resume and eval. */
    @Test
    void anEditedHeaderOrARemovedChecksumIsRefused() throws IOException {
        Path net = spirals("sp.net", 8);
        Path save = dir.resolve("run.st");
        ok("train", net.toString(), "--steps", "12", "--save", save.toString(), "--no-progress");
        byte[] bytes = Files.readAllBytes(save);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("\"step\":\"12\""), text.substring(0, 200));

        Path edited = Files.write(dir.resolve("edited.st"), text.replace("\"step\":\"12\"", "\"step\":\"05\"")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(userError("train", net.toString(), "--steps", "24", "--resume", edited.toString())
                .startsWith("error: " + edited + ": corrupt: the file does not match its checksum"));
        assertTrue(userError("eval", net.toString(), "--weights", edited.toString()).contains("corrupt"));

        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip().replaceAll(",\"checksum\":\"crc32:[0-9a-f]{8}\"", "");
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + n), bytes.length);
        Path stripped = Files.write(dir.resolve("stripped.st"), ByteBuffer.allocate(8 + json.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).put(data).array());
        assertTrue(userError("train", net.toString(), "--steps", "24", "--resume", stripped.toString()).contains("has no 'checksum'"));
        assertTrue(userError("eval", net.toString(), "--weights", stripped.toString()).contains("has no 'checksum'"));
    }

    /** Item 15: a batch too large for the heap, or for one Java array, is a user error with the figures, not an OutOfMemoryError. */
    @Test
    void aBatchTooLargeForMemoryIsAUserError() throws IOException {
        Path net = spirals("sp.net", 64);
        String err = userError("train", net.toString(), "--batch", "100000000", "--steps", "1");
        assertTrue(err.matches("error: batch 100000000 is too large: .* would hold 6,400,000,000 elements, more than a Java array can"
                + " \\(2,147,483,639\\); use a smaller --batch \\(at most [\\d,]+\\)"), err);

        // a layer wide enough that the buffers at this batch need several times the test JVM's heap, yet fit in arrays
        long heap = Runtime.getRuntime().maxMemory();
        long batch = Math.min(500_000, Math.max(1000, 3 * heap / (4096L * 4 * 3)));
        Assumptions.assumeTrue(batch * 4096 * 4 * 3 > 2 * heap, "the heap is too large for this test");
        Path wide = Files.writeString(dir.resolve("wide.net"), SPIRALS.replace("HIDDEN", "4096").replace("points=200", "points=" + 2 * batch));
        String heapErr = userError("train", wide.toString(), "--batch", Long.toString(batch), "--steps", "1");
        assertTrue(heapErr.startsWith("error: batch " + batch + " needs about "), heapErr);
        assertTrue(heapErr.contains("more than this JVM can hold (its maximum heap is "), heapErr);
        assertTrue(heapErr.contains("NETC_JAVA_OPTS=-Xmx"), heapErr);
    }

    /** Smaller items: bad output paths are refused before training with the reason; --data FILE says it is a file. */
    @Test
    void badOutputPathsAndADataFileAreRefusedUpFrontWithTheReason() throws IOException {
        Path net = spirals("sp.net", 8);
        Path notes = Files.writeString(dir.resolve("notes.txt"), "a file");
        Examples.Run r = Examples.netc("train", net.toString(), "--save", notes.resolve("w.st").toString());
        assertEquals(2, r.exit());
        assertEquals("error: --save " + notes.resolve("w.st") + ": cannot be written: " + notes + " is not a directory", r.err().strip());
        assertEquals("", r.out(), "before the first epoch");
        assertEquals("error: --metrics " + dir + ": cannot be written: it is a directory",
                userError("train", net.toString(), "--metrics", dir.toString()));

        Path mnistNet = Examples.example("mnist_softmax.net");
        String err = userError("train", mnistNet.toString(), "--data", notes.toString(), "--steps", "1");
        assertTrue(err.startsWith("error: MNIST directory " + notes + " is a file, not a directory"), err);
    }

    @Test
    void csvLabelsThatAreNotClassIndicesNameTheirLineOrAreReadAsNames() throws IOException {
        Path net = Files.writeString(dir.resolve("flowers.net"), CSV);
        Files.writeString(dir.resolve("flowers.csv"), numbered(flowers(60, 0)) + "12,-1,1.0,70\n");
        Files.writeString(dir.resolve("flowers-test.csv"), numbered(flowers(15, 1)));
        assertEquals("error: flowers.csv:62: label '-1' is not a class index (0, 1, ...): labels that are numbers must be whole numbers from 0"
                + " (to read every label as a class name instead, add labels=names to the dataset)", userError("train", net.toString()));

        Files.writeString(net, CSV.replace("label=\"species\", ", "label=\"species\", labels=names, "));
        Files.writeString(dir.resolve("flowers.csv"), numbered(flowers(60, 0)).replace(",2,", ",-1,"));
        Files.writeString(dir.resolve("flowers-test.csv"), numbered(flowers(15, 1)).replace(",2,", ",-1,"));
        ok("train", net.toString(), "--no-progress");
    }

    /** The flowers with numbers for labels: daisy 0, rose 1, tulip 2. */
    static String numbered(String csv) {
        return csv.replace(",daisy,", ",0,").replace(",rose,", ",1,").replace(",tulip,", ",2,");
    }

    /** A safetensors file written by hand: every tensor of {@code tensors} under {@code dtype} (F16 keeps half the bytes). */
    static byte[] safetensors(Map<String, TensorData> tensors, String dtype) {
        StringBuilder header = new StringBuilder("{");
        int offset = 0;
        for (var e : tensors.entrySet()) {
            int bytes = e.getValue().values().length * (dtype.equals("F16") ? 2 : 4);
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtype)
                    .append("\",\"shape\":").append(Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + offset).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array();
    }
}
