package dev.netc.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    static final Graph GRAPH = BufferModel.dense(3, 2);
    static final TrainingState STATE = new TrainingState("m", 12, 2, 7, 32, "sgd", TrainingState.NETC_VERSION,
            Checkpoints.modelHash(GRAPH), Map.of("history", "[]"));

    static String restoreFailure(Path file, Graph graph) {
        Checkpoint c = Checkpoints.load(file);
        return assertThrows(CheckpointException.class, () -> Checkpoints.restore(c, new BufferModel(graph, false), graph, false))
                .getMessage();
    }

    @Test
    void savesAndRestoresParametersOptimizerStateAndTrainingState(@TempDir Path dir) {
        BufferModel saved = new BufferModel(GRAPH, true);
        saved.state.get("momentum/dense/bias")[1] = 9.5f;
        Path file = dir.resolve("run.safetensors");
        Checkpoints.save(file, saved, GRAPH, true, Optional.of(STATE));

        Checkpoint c = Checkpoints.load(file);
        assertEquals(STATE, c.requireState());
        assertArrayEquals(new int[] {3, 2}, c.tensors().get("dense/kernel").shape());
        assertArrayEquals(new int[] {3, 2}, c.tensors().get("optimizer::momentum/dense/kernel").shape(),
                "optimizer state takes its parameter's shape");
        BufferModel restored = new BufferModel(GRAPH, true);
        restored.buffers.values().forEach(b -> Arrays.fill(b, -1));
        Checkpoints.restore(c, restored, GRAPH, true);
        for (String name : saved.buffers.keySet()) assertArrayEquals(saved.buffers.get(name), restored.buffers.get(name), name);
        for (String name : saved.state.keySet()) assertArrayEquals(saved.state.get(name), restored.state.get(name), name);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temp file left behind");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mismatchedWeightsNameTheTensorAndShapes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.safetensors");
        Checkpoints.save(file, new BufferModel(GRAPH, false), GRAPH, false, Optional.empty());
        assertEquals(file + ": tensor 'dense/kernel' has shape [3, 2], the model expects [3, 5]", restoreFailure(file, BufferModel.dense(3, 5)));

        Path partial = dir.resolve("partial.safetensors");
        Files.write(partial, SafeTensors.encode(Map.of("dense/kernel", TensorData.f32(new int[] {3, 2}, new float[6])), Map.of()));
        assertEquals(partial + ": tensor 'dense/bias' is missing (the model needs it; the file holds dense/kernel)",
                restoreFailure(partial, GRAPH));

        Path half = dir.resolve("half.safetensors");
        String header = "{\"dense/kernel\":{\"dtype\":\"F16\",\"shape\":[3,2],\"data_offsets\":[0,12]},"
                + "\"dense/bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        Files.write(half, SafeTensorsTest.file(header, new byte[20]));
        assertEquals(half + ": tensor 'dense/kernel' is F16 [3, 2], the model expects F32 [3, 2]", restoreFailure(half, GRAPH));
    }

    @Test
    void aFailedRestoreLeavesTheModelUntouched(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.write(file, SafeTensors.encode(Map.of("dense/kernel", TensorData.f32(new int[] {3, 2}, new float[6])), Map.of()));
        BufferModel model = new BufferModel(GRAPH, false);
        float[] before = model.buffers.get("dense/kernel").clone();
        assertThrows(CheckpointException.class, () -> Checkpoints.restore(Checkpoints.load(file), model, GRAPH, false));
        assertArrayEquals(before, model.buffers.get("dense/kernel"));
    }

    @Test
    void damageIsDetected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.safetensors");
        Checkpoints.save(file, new BufferModel(GRAPH, false), GRAPH, false, Optional.of(STATE));
        byte[] bytes = Files.readAllBytes(file);

        byte[] flipped = bytes.clone();
        flipped[flipped.length - 3] ^= 0x10;
        Files.write(file, flipped);
        String message = assertThrows(CheckpointException.class, () -> Checkpoints.load(file)).getMessage();
        assertTrue(message.startsWith(file + ": corrupt: the file does not match its checksum"), message);

        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.load(file)).getMessage().contains("truncated"));

        Path missing = dir.resolve("nope.safetensors");
        assertEquals(missing + ": no such file", assertThrows(CheckpointException.class, () -> Checkpoints.load(missing)).getMessage());
    }

    /** Issue 10, item 5: a block named "momentum" holds "momentum/dense/kernel", the name SGD's state for "dense/kernel" had. */
    @Test
    void optimizerStateCannotOverwriteAParameterOfTheSameName(@TempDir Path dir) {
        Graph graph = BufferModel.parameters("dense/kernel", "momentum/dense/kernel", "adam_m/dense/kernel");
        BufferModel saved = new BufferModel(graph, true);
        for (float[] s : saved.state.values()) Arrays.fill(s, -7f);
        Path file = dir.resolve("run.safetensors");
        Checkpoints.save(file, saved, graph, true, Optional.of(STATE));

        BufferModel restored = new BufferModel(graph, true);
        restored.buffers.values().forEach(b -> Arrays.fill(b, 0));
        restored.state.values().forEach(b -> Arrays.fill(b, 0));
        Checkpoints.restore(Checkpoints.load(file), restored, graph, true);
        for (String name : saved.buffers.keySet()) assertArrayEquals(saved.buffers.get(name), restored.buffers.get(name), name);
        for (String name : saved.state.keySet()) assertArrayEquals(saved.state.get(name), restored.state.get(name), name);
    }

    @Test
    void parameterNamesInTheOptimizerNamespaceAreRefused(@TempDir Path dir) {
        Graph graph = BufferModel.parameters("optimizer::momentum/dense/kernel");
        String message = assertThrows(CheckpointException.class, () -> Checkpoints.checkParameterNames(graph)).getMessage();
        assertTrue(message.contains("names starting with 'optimizer::' are reserved"), message);
        assertThrows(CheckpointException.class,
                () -> Checkpoints.save(dir.resolve("w.st"), new BufferModel(graph, false), graph, false, Optional.empty()));
        assertTrue(Files.notExists(dir.resolve("w.st")));
    }

    /** Issue 10, item 10: the checksum covers the header too, and a netc checkpoint without one is refused. */
    @Test
    void editedHeadersAndRemovedChecksumsAreRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.safetensors");
        Checkpoints.save(file, new BufferModel(GRAPH, true), GRAPH, true, Optional.of(STATE));
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(12, Checkpoints.load(file).requireState().step());

        Path edited = Files.write(dir.resolve("edited.safetensors"), replace(bytes, "\"step\":\"12\"", "\"step\":\"05\""));
        String message = assertThrows(CheckpointException.class, () -> Checkpoints.load(edited)).getMessage();
        assertTrue(message.startsWith(edited + ": corrupt: the file does not match its checksum"), message);

        Path shape = Files.write(dir.resolve("shape.safetensors"), replace(bytes, "\"shape\":[3,2]", "\"shape\":[2,3]"));
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.load(shape)).getMessage().contains("corrupt"));

        // the checksum removed: a valid file structurally, with a new header length
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).replaceAll(",?\"checksum\":\"crc32:[0-9a-f]{8}\"", "");
        Path stripped = Files.write(dir.resolve("stripped.safetensors"), SafeTensorsTest.file(header.strip(),
                Arrays.copyOfRange(bytes, (int) (8 + n), bytes.length)));
        message = assertThrows(CheckpointException.class, () -> Checkpoints.load(stripped)).getMessage();
        assertTrue(message.contains("has no 'checksum'"), message);

        Path invalid = Files.write(dir.resolve("invalid.safetensors"), replace(bytes, "\"checksum\":\"crc32:", "\"checksum\":\"crc64:"));
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.load(invalid)).getMessage().contains("corrupt"));
    }

    @Test
    void checkpointsOfTheFirstFormatAreRefusedWithTheReason(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("old.safetensors");
        Files.write(file, SafeTensors.encode(Map.of("dense/bias", TensorData.f32(new int[] {2}, new float[2])),
                Map.of("format", "netc-checkpoint/1", "data_crc32", "0")));
        String message = assertThrows(CheckpointException.class, () -> Checkpoints.load(file)).getMessage();
        assertTrue(message.startsWith(file + ": was written by an older netc (checkpoint format netc-checkpoint/1"), message);
        assertTrue(message.endsWith("train again to write a new checkpoint"), message);
    }

    @Test
    void theModelHashCoversTheGraphNotJustTheParameterShapes() {
        assertEquals(Checkpoints.modelHash(BufferModel.dense(3, 2)), Checkpoints.modelHash(BufferModel.dense(3, 2)));
        // same parameter names and shapes, another computation
        assertTrue(!Checkpoints.modelHash(BufferModel.parameters("dense/kernel"))
                .equals(Checkpoints.modelHash(BufferModel.parameters("dense/kernel", "dense/kernel_1"))));
    }

    static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from), from);
        assertEquals(from.length(), to.length(), "same length, so the header length stays right");
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void weightsOnlyFilesCannotBeResumedFrom(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("torch.safetensors");
        Files.write(file, SafeTensors.encode(Map.of("dense/bias", TensorData.f32(new int[] {2}, new float[2])), Map.of("format", "pt")));
        Checkpoint c = Checkpoints.load(file);
        assertTrue(c.state().isEmpty());
        assertTrue(assertThrows(CheckpointException.class, c::requireState).getMessage().contains("holds weights only"));
    }

    @Test
    void refusesToReplaceAGoodFileWithNonFiniteParameters(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.safetensors");
        BufferModel model = new BufferModel(GRAPH, false);
        Checkpoints.save(file, model, GRAPH, false, Optional.of(STATE));
        byte[] good = Files.readAllBytes(file);
        model.buffers.get("dense/bias")[1] = Float.NaN;
        String message = assertThrows(CheckpointException.class, () -> Checkpoints.save(file, model, GRAPH, false, Optional.of(STATE)))
                .getMessage();
        assertEquals(file + ": not written: parameter 'dense/bias' holds NaN at index 1", message);
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void metadataCarriesTheTrainingState(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.safetensors");
        Checkpoints.save(file, new BufferModel(GRAPH, false), GRAPH, false, Optional.of(STATE));
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        for (String expected : List.of("\"step\":\"12\"", "\"epoch\":\"2\"", "\"seed\":\"7\"", "\"batch\":\"32\"", "\"model\":\"m\"",
                "\"format\":\"netc-checkpoint/2\"", "\"checksum\":\"crc32:"))
            assertTrue(header.contains(expected), expected + " in " + header);
    }
}
