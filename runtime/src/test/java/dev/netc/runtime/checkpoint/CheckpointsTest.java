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
        assertArrayEquals(new int[] {3, 2}, c.tensors().get("momentum/dense/kernel").shape(), "optimizer state takes its parameter's shape");
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
        assertTrue(message.startsWith(file + ": corrupt: the tensor data does not match its checksum"), message);

        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.load(file)).getMessage().contains("truncated"));

        Path missing = dir.resolve("nope.safetensors");
        assertEquals(missing + ": no such file", assertThrows(CheckpointException.class, () -> Checkpoints.load(missing)).getMessage());
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
                "\"format\":\"netc-checkpoint/1\"", "\"data_crc32\":"))
            assertTrue(header.contains(expected), expected + " in " + header);
    }
}
