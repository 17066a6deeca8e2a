package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.onnx.npy.Npy;
import dev.netc.onnx.npy.NpyArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** netc predict, export and import from the command line: files, exit codes and messages. */
class InteropCommandsTest {
    @TempDir Path tmp;

    record Run(int exit, String out, String err) {}

    static synchronized Run netc(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(Main.run(args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String example(String name) {
        return Path.of(System.getProperty("netc.projectRoot", "..")).resolve("examples").resolve(name).toAbsolutePath().normalize().toString();
    }

    private Path array(String name, int[] shape) throws Exception {
        float[] v = new float[(int) NpyArray.count(shape)];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble();
        Path p = tmp.resolve(name);
        Files.write(p, Npy.encode(new NpyArray.F32(shape, v)));
        return p;
    }

    /** A user error: exit 2, one line on stderr holding every part, no stack trace. */
    static void assertUserError(Run run, String... parts) {
        assertEquals(2, run.exit(), run.err());
        for (String p : parts) assertTrue(run.err().contains(p), "expected '" + p + "' in: " + run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void exportThenImportPredictsWhatTheModelPredicts() throws Exception {
        Path in = array("in.npy", new int[] {5, 1, 28, 28});
        Path onnx = tmp.resolve("lenet.onnx"), direct = tmp.resolve("direct.npy"), viaImport = tmp.resolve("imported.npy");
        Run export = netc("export", example("lenet.net"), "--seed", "3", "-o", onnx.toString());
        assertEquals(0, export.exit(), export.err());
        Run imported = netc("import", onnx.toString(), "-o", tmp.resolve("lenet").toString());
        assertEquals(0, imported.exit(), imported.err());
        assertTrue(Files.readString(tmp.resolve("lenet/lenet.net")).contains("conv2d("), "layers where patterns are recognised");
        Run a = netc("predict", example("lenet.net"), "--seed", "3", "--input", in.toString(), "-o", direct.toString());
        assertEquals(0, a.exit(), a.err());
        Run b = netc("predict", tmp.resolve("lenet/lenet.net").toString(), "--weights", tmp.resolve("lenet/lenet.safetensors").toString(),
                "--input", in.toString(), "-o", viaImport.toString());
        assertEquals(0, b.exit(), b.err());
        NpyArray.F32 x = (NpyArray.F32) Npy.read(direct), y = (NpyArray.F32) Npy.read(viaImport);
        assertArrayEquals(new int[] {5, 10}, x.shape());
        for (int i = 0; i < x.values().length; i++) assertEquals(x.values()[i], y.values()[i], 1e-4, "element " + i);
        // another seed gives other weights, so other outputs
        Run c = netc("predict", example("lenet.net"), "--seed", "4", "--input", in.toString(), "-o", tmp.resolve("seed4.npy").toString());
        assertEquals(0, c.exit(), c.err());
        assertFalse(Arrays.equals(x.values(), ((NpyArray.F32) Npy.read(tmp.resolve("seed4.npy"))).values()));
    }

    @Test
    void predictRefusesArraysThatDoNotFitTheModel() throws Exception {
        Path wrongShape = array("wrong.npy", new int[] {3, 5});
        assertUserError(netc("predict", example("spirals.net"), "--input", wrongShape.toString(), "-o", tmp.resolve("o.npy").toString()),
                "f32[3, 5]", "f32[B, 2]");
        Path ints = tmp.resolve("ints.npy");
        Files.write(ints, Npy.encode(new NpyArray.I32(new int[] {3, 2}, new int[6])));
        assertUserError(netc("predict", example("spirals.net"), "--input", ints.toString(), "-o", tmp.resolve("o.npy").toString()),
                "i32[3, 2]", "f32[B, 2]");
        Path truncated = tmp.resolve("truncated.npy");
        byte[] good = Files.readAllBytes(array("good.npy", new int[] {3, 2}));
        Files.write(truncated, Arrays.copyOf(good, good.length - 3));
        assertUserError(netc("predict", example("spirals.net"), "--input", truncated.toString(), "-o", tmp.resolve("o.npy").toString()),
                "truncated.npy", "truncated");
        assertFalse(Files.exists(tmp.resolve("o.npy")), "nothing written on error");
        Path good2 = array("in.npy", new int[] {3, 2});
        assertUserError(netc("predict", example("spirals.net"), "--input", good2.toString(), "-o", good2.toString()), "-o", "--input");
        assertUserError(netc("predict", example("spirals.net"), "--input", good2.toString(), "-o", tmp.resolve("o.npy").toString(),
                "--weights", tmp.resolve("absent.safetensors").toString()), "absent.safetensors", "no such file");
    }

    @Test
    void exportAndImportRefuseWhatTheyCannotDo() throws Exception {
        assertUserError(netc("export", example("spirals.net"), "--opset", "12", "-o", tmp.resolve("m.onnx").toString()), "--opset 12", "17 to 21");
        Path garbage = tmp.resolve("garbage.onnx");
        Files.writeString(garbage, "this is not protobuf");
        assertUserError(netc("import", garbage.toString(), "-o", tmp.resolve("g").toString()), "garbage.onnx", "not a valid ONNX model");
        assertUserError(netc("import", tmp.resolve("absent.onnx").toString(), "-o", tmp.resolve("g").toString()), "absent.onnx", "no such file");
        assertFalse(Files.exists(tmp.resolve("g")), "no output directory for a failed import");
    }

    @Test
    void benchTimesOnnxRuntimeBesideNetc() throws Exception {
        Path json = tmp.resolve("bench.json");
        Run run = netc("bench", example("spirals.net"), "--batch", "16", "--steps", "2", "--warmup", "1", "--peer", "onnxruntime",
                "--json", json.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("onnxruntime 1.23.2"), run.out());
        assertTrue(run.out().contains("batch-1 latency ms"), run.out());
        var peer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).path("peer").path("onnxruntime");
        for (String key : java.util.List.of("infer_images_per_s", "infer_1000_images_per_s", "batch1_latency_ms"))
            assertTrue(peer.path(key).asDouble() > 0, key + " in " + peer);
        assertEquals("1.23.2", peer.path("version").asText());
        // the heap a training step allocates: counted on HotSpot (its size is the bench's to show, not a test's)
        var fused = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).path("fused");
        assertTrue(fused.path("heap_bytes_per_step").isNumber() && fused.path("heap_bytes_per_step").asLong() >= 0, fused.toString());
        assertTrue(run.out().contains("heap alloc/train step"), run.out());
        assertUserError(netc("bench", example("spirals.net"), "--peer", "tensorrt"), "--peer tensorrt", "unknown peer");
    }

    /** An imported model trains from its imported weights: netc train --weights. */
    @Test
    void importedModelTrainsFromItsWeights() throws Exception {
        Path onnx = Path.of(System.getProperty("netc.projectRoot", "..")).resolve("onnx/src/test/resources/pytorch/mlp.onnx");
        Run imported = netc("import", onnx.toString(), "-o", tmp.toString());
        assertEquals(0, imported.exit(), imported.err());
        StringBuilder csv = new StringBuilder();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 20; j++) csv.append(String.format(java.util.Locale.ROOT, "%.4f,", r.nextDouble()));
            csv.append(i % 5).append('\n');
        }
        Files.writeString(tmp.resolve("train.csv"), csv);
        Path net = tmp.resolve("mlp.net");
        Files.writeString(net, Files.readString(net) + """
                train mlp {
                  input y: i32[B]
                  loss = softmax_cross_entropy(logits, y)
                  optimizer = sgd(lr=1e-9)
                  batch = 16
                  dataset = csv(path="train.csv", header=false, classes=5)
                }
                """);
        Path saved = tmp.resolve("trained.safetensors");
        Run train = netc("train", net.toString(), "--weights", tmp.resolve("mlp.safetensors").toString(), "--steps", "2",
                "--save", saved.toString(), "--no-progress");
        assertEquals(0, train.exit(), train.err());
        // at a learning rate of 1e-9 the saved parameters are the imported ones: training started from them
        var start = dev.netc.runtime.checkpoint.Checkpoints.load(tmp.resolve("mlp.safetensors")).tensors();
        var end = dev.netc.runtime.checkpoint.Checkpoints.load(saved).tensors();
        for (var e : start.entrySet()) {
            float[] a = e.getValue().values(), b = end.get(e.getKey()).values();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6, e.getKey() + "[" + i + "]");
        }
        assertUserError(netc("train", net.toString(), "--weights", tmp.resolve("mlp.safetensors").toString(), "--resume", saved.toString()),
                "--weights and --resume");
    }
}
