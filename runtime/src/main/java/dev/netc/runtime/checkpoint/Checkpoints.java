package dev.netc.runtime.checkpoint;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Saves and loads model checkpoints as safetensors files: every parameter under its IR name
 * ("conv2d/kernel"), the optimizer state under its buffer name ("adam_m/dense/kernel"), and the
 * {@link TrainingState} as metadata. PyTorch reads the weights with {@code safetensors.torch.load_file}.
 */
public final class Checkpoints {
    /** Metadata key of the data section's CRC-32 (hex): catches damage that leaves the structure intact. */
    public static final String DATA_CRC32 = "data_crc32";
    /** How many tensor names an error message lists before "...". */
    private static final int NAMES_LISTED = 8;

    private Checkpoints() {}

    /**
     * Writes the model's parameters, its optimizer state when {@code withOptimizerState}, and the state
     * as metadata. Atomic: readers see the previous file or the new one, and a failed save leaves the
     * previous file as it was. Refuses to write non-finite parameters.
     */
    public static void save(Path file, GeneratedModel model, Graph graph, boolean withOptimizerState, Optional<TrainingState> state) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Node node : graph.parameters()) {
            String name = ((Op.Parameter) node.op()).name();
            float[] values = model.floatBuffer(name);
            int bad = firstNonFinite(values);
            if (bad >= 0)
                throw new CheckpointException(file + ": not written: parameter '" + name + "' holds " + values[bad] + " at index " + bad);
            tensors.put(name, TensorData.f32(shape(node), values));
        }
        if (withOptimizerState)
            for (var e : new TreeMap<>(model.optimizerState()).entrySet())
                tensors.put(e.getKey(), TensorData.f32(optimizerShape(e.getKey(), e.getValue().length, graph), e.getValue()));
        Map<String, String> metadata = new LinkedHashMap<>(state.map(TrainingState::toMetadata).orElse(Map.of()));
        metadata.put(DATA_CRC32, Long.toHexString(SafeTensors.dataCrc32(tensors)));
        byte[] bytes = SafeTensors.encode(tensors, metadata);
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    /** Reads and structurally validates a checkpoint; whether it fits a model is checked by {@link #restore}. */
    public static Checkpoint load(Path file) {
        String label = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new CheckpointException(label + ": is a directory, not a checkpoint file");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(label + ": no such file");
        } catch (IOException | OutOfMemoryError e) {
            throw new CheckpointException(label + ": cannot read: " + e.getMessage(), e);
        }
        SafeTensors.Content content = SafeTensors.decode(bytes, label);
        String crc = content.metadata().get(DATA_CRC32);
        if (crc != null && !crc.equals(Long.toHexString(content.dataCrc32())))
            throw new CheckpointException(label + ": corrupt: the tensor data does not match its checksum (metadata " + DATA_CRC32 + " is "
                    + crc + ", the data gives " + Long.toHexString(content.dataCrc32()) + "); the file was damaged after it was written");
        return new Checkpoint(label, content.tensors(), content.metadata(), TrainingState.fromMetadata(content.metadata(), label));
    }

    /**
     * Copies the checkpoint's parameters (and optimizer state when {@code withOptimizerState}) into the
     * model. Everything is checked first, so on error the model is left untouched: every parameter the
     * graph declares must be present, F32, with the graph's shape; every optimizer buffer must be
     * present with the model's element count. Tensors the model does not use are ignored.
     */
    public static void restore(Checkpoint checkpoint, GeneratedModel model, Graph graph, boolean withOptimizerState) {
        Map<String, float[]> copies = new LinkedHashMap<>();
        for (Node node : graph.parameters()) {
            String name = ((Op.Parameter) node.op()).name();
            int[] expected = shape(node);
            TensorData t = tensor(checkpoint, name, "tensor", expected);
            if (!Arrays.equals(t.shape(), expected))
                throw new CheckpointException(checkpoint.label() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", the model expects " + Arrays.toString(expected));
            copies.put(name, t.values());
        }
        Map<String, float[]> optimizerBuffers = withOptimizerState ? model.optimizerState() : Map.of();
        for (var e : optimizerBuffers.entrySet()) {
            TensorData t = tensor(checkpoint, e.getKey(), "optimizer state", null);
            if (t.values().length != e.getValue().length)
                throw new CheckpointException(checkpoint.label() + ": optimizer state '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + " (" + t.values().length + " values), the model's holds " + e.getValue().length);
        }
        for (var e : copies.entrySet()) {
            float[] target = model.floatBuffer(e.getKey());
            if (target.length != e.getValue().length)
                throw new IllegalStateException("parameter " + e.getKey() + ": model buffer holds " + target.length + " floats, graph shape "
                        + e.getValue().length);
            System.arraycopy(e.getValue(), 0, target, 0, target.length);
        }
        for (var e : optimizerBuffers.entrySet())
            System.arraycopy(checkpoint.tensors().get(e.getKey()).values(), 0, e.getValue(), 0, e.getValue().length);
    }

    /** A digest of the model's parameter names and shapes (sorted by name): equal models give equal hashes. */
    public static String modelHash(Graph graph) {
        String text = graph.parameters().stream()
                .map(n -> ((Op.Parameter) n.op()).name() + Arrays.toString(shape(n)))
                .sorted().collect(Collectors.joining("\n"));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** The index of the first NaN or infinity in {@code values}, or -1. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) if (!Float.isFinite(values[i])) return i;
        return -1;
    }

    private static TensorData tensor(Checkpoint checkpoint, String name, String what, int[] expected) {
        TensorData t = checkpoint.tensors().get(name);
        if (t == null) {
            List<String> names = List.copyOf(checkpoint.tensors().keySet());
            String held = names.isEmpty() ? "no tensors" : String.join(", ", names.subList(0, Math.min(NAMES_LISTED, names.size())))
                    + (names.size() > NAMES_LISTED ? ", ... (" + names.size() + " in all)" : "");
            throw new CheckpointException(checkpoint.label() + ": " + what + " '" + name + "' is missing (the model needs it; the file holds "
                    + held + ")");
        }
        if (t.values() == null)
            throw new CheckpointException(checkpoint.label() + ": " + what + " '" + name + "' is " + t.dtype() + " " + Arrays.toString(t.shape())
                    + ", the model expects " + SafeTensors.F32 + (expected == null ? "" : " " + Arrays.toString(expected)));
        return t;
    }

    private static int[] shape(Node parameter) {
        return parameter.type().shape().bind(Map.of());
    }

    /** Optimizer buffers shadow a parameter ("adam_m/dense/kernel"); they take its shape, else stay flat. */
    private static int[] optimizerShape(String name, int length, Graph graph) {
        int slash = name.indexOf('/');
        if (slash >= 0) {
            Optional<Node> p = graph.parameterNamed(name.substring(slash + 1));
            if (p.isPresent() && TensorData.elementCount(shape(p.get())) == length) return shape(p.get());
        }
        return new int[] {length};
    }
}
