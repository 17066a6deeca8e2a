package dev.netc.runtime.checkpoint;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Op;
import dev.netc.runtime.io.AtomicFiles;
import dev.netc.runtime.io.IoErrors;
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
import java.util.zip.CRC32;

/**
 * Saves and loads model checkpoints as safetensors files: every parameter under its IR name
 * ("conv2d/kernel"), the optimizer state under its buffer name in the reserved namespace
 * {@value #OPTIMIZER_PREFIX} ("optimizer::adam_m/dense/kernel"), so no parameter name can collide with
 * it, and the {@link TrainingState} as metadata. PyTorch reads the weights with
 * {@code safetensors.torch.load_file}.
 *
 * <p>Every file netc writes carries the metadata entry {@value #CHECKSUM}, {@code "crc32:XXXXXXXX"}:
 * the CRC-32 of the whole file as written with that value's eight hex digits set to {@code 0}. It
 * covers the header (step, seed, every shape and offset) as well as the data, so an edited step or
 * a flipped bit is refused, and a netc checkpoint without it is refused too (removing it must not
 * turn the check off). Files written elsewhere (no netc format) need no checksum.
 */
public final class Checkpoints {
    /** Metadata key of the whole-file checksum. */
    public static final String CHECKSUM = "checksum";
    /** The checksum's algorithm prefix. */
    static final String CHECKSUM_ALGORITHM = "crc32:";
    /** The checksum value while it is computed: its hex digits zeroed. */
    static final String CHECKSUM_PLACEHOLDER = CHECKSUM_ALGORITHM + "00000000";
    /**
     * Tensor names of optimizer state start with this; no parameter name may (see {@link #checkParameterNames}).
     * Parameter names are the user's to choose ({@code dense(x, 10, name="...")}), so the namespace is reserved.
     */
    public static final String OPTIMIZER_PREFIX = "optimizer::";
    /** How many tensor names an error message lists before "...". */
    private static final int NAMES_LISTED = 8;

    private Checkpoints() {}

    /**
     * Writes the model's parameters, its optimizer state when {@code withOptimizerState}, and the state
     * as metadata. Atomic: readers see the previous file or the new one, and a failed save leaves the
     * previous file as it was. Refuses to write non-finite parameters.
     */
    public static void save(Path file, GeneratedModel model, Graph graph, boolean withOptimizerState, Optional<TrainingState> state) {
        checkParameterNames(graph);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Node node : graph.parameters()) {
            String name = ((Op.Parameter) node.op()).name();
            float[] values = model.floatBuffer(name);
            int bad = firstNonFinite(values);
            if (bad >= 0)
                throw new CheckpointException(file + ": not written: parameter '" + name + "' holds " + values[bad] + " at index " + bad);
            put(tensors, name, TensorData.f32(shape(node), values));
        }
        if (withOptimizerState) {
            Map<String, Node> parameters = new java.util.HashMap<>();
            for (Node node : graph.parameters()) parameters.putIfAbsent(((Op.Parameter) node.op()).name(), node);
            for (var e : new TreeMap<>(model.optimizerState()).entrySet())
                put(tensors, OPTIMIZER_PREFIX + e.getKey(), TensorData.f32(optimizerShape(e.getKey(), e.getValue().length, parameters), e.getValue()));
        }
        Map<String, String> metadata = new LinkedHashMap<>(state.map(TrainingState::toMetadata).orElse(Map.of()));
        metadata.put(CHECKSUM, CHECKSUM_PLACEHOLDER);
        byte[] bytes = SafeTensors.encode(tensors, metadata);
        seal(bytes);
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot write checkpoint: " + IoErrors.describe(e, file), e);
        }
    }

    /**
     * Refuses parameter names a checkpoint cannot hold apart from its other entries: names in the
     * optimizer's namespace ({@value #OPTIMIZER_PREFIX}...) and safetensors' own {@code __metadata__}.
     */
    public static void checkParameterNames(Graph graph) {
        for (Node node : graph.parameters()) {
            String name = ((Op.Parameter) node.op()).name();
            if (name.startsWith(OPTIMIZER_PREFIX))
                throw new CheckpointException("parameter '" + name + "': names starting with '" + OPTIMIZER_PREFIX
                        + "' are reserved for optimizer state in checkpoints; rename the layer or parameter");
            if (name.equals(SafeTensors.METADATA_KEY))
                throw new CheckpointException("parameter '" + name + "': the name is reserved by the safetensors format; rename the parameter");
        }
    }

    private static void put(Map<String, TensorData> tensors, String name, TensorData t) {
        if (tensors.putIfAbsent(name, t) != null) throw new IllegalStateException("two checkpoint tensors named '" + name + "'");
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
        } catch (IOException e) {
            throw new CheckpointException(label + ": cannot read: " + IoErrors.describe(e, file), e);
        } catch (OutOfMemoryError e) {
            throw new CheckpointException(label + ": cannot read: the file is too large for the memory this JVM may use", e);
        }
        SafeTensors.Content content = SafeTensors.decode(bytes, label);
        Map<String, String> metadata = content.metadata();
        String format = metadata.get(TrainingState.FORMAT_KEY);
        if (TrainingState.FORMAT_1.equals(format))
            throw new CheckpointException(label + ": was written by an older netc (checkpoint format " + TrainingState.FORMAT_1
                    + ", whose optimizer state could overwrite parameters and whose checksum left the header unchecked); this netc reads "
                    + TrainingState.FORMAT + ": train again to write a new checkpoint");
        String checksum = metadata.get(CHECKSUM);
        if (checksum != null) verify(bytes, checksum, label);
        else if (format != null && format.startsWith(TrainingState.FORMAT_FAMILY))
            throw new CheckpointException(label + ": corrupt: the netc checkpoint has no '" + CHECKSUM + "' in its metadata (netc writes one"
                    + " into every checkpoint, so the file was edited); refusing to use it");
        return new Checkpoint(label, content.tensors(), metadata, TrainingState.fromMetadata(metadata, label));
    }

    /** Writes the checksum into {@code bytes}, encoded with {@link #CHECKSUM_PLACEHOLDER} as its value. */
    static void seal(byte[] bytes) {
        int at = checksumValueOffset(bytes, CHECKSUM_PLACEHOLDER);
        if (at < 0) throw new IllegalStateException("the encoded header holds no single checksum placeholder");
        CRC32 crc = new CRC32();
        crc.update(bytes);
        byte[] hex = String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, bytes, at + CHECKSUM_ALGORITHM.length(), hex.length);
    }

    private static void verify(byte[] bytes, String checksum, String label) {
        if (!checksum.matches("crc32:[0-9a-f]{8}"))
            throw new CheckpointException(label + ": corrupt: metadata '" + CHECKSUM + "' is '" + checksum + "', not crc32:XXXXXXXX (8 hex digits)");
        int at = checksumValueOffset(bytes, checksum);
        if (at < 0)
            throw new CheckpointException(label + ": corrupt: the header was edited after netc wrote it (its '" + CHECKSUM
                    + "' entry is not where netc writes it)");
        byte[] copy = bytes.clone();
        byte[] zeros = "00000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(zeros, 0, copy, at + CHECKSUM_ALGORITHM.length(), zeros.length);
        CRC32 crc = new CRC32();
        crc.update(copy);
        String actual = CHECKSUM_ALGORITHM + String.format("%08x", crc.getValue());
        if (!actual.equals(checksum))
            throw new CheckpointException(label + ": corrupt: the file does not match its checksum (metadata " + CHECKSUM + " is " + checksum
                    + ", the file gives " + actual + "); it was damaged or edited after it was written");
    }

    /**
     * The offset of {@code value} in the only {@code "checksum":"VALUE"} of the header, or -1 when there
     * is none or more than one. Only a real metadata entry can match: JSON escapes the quotes of any
     * such text inside another string.
     */
    private static int checksumValueOffset(byte[] bytes, String value) {
        if (bytes.length < 8) return -1;
        long headerLength = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (headerLength < 0 || headerLength > bytes.length - 8L) return -1;
        byte[] needle = ("\"" + CHECKSUM + "\":\"" + value + "\"").getBytes(StandardCharsets.UTF_8);
        int found = -1, end = (int) (8 + headerLength) - needle.length;
        for (int i = 8; i <= end; i++) {
            if (bytes[i] != needle[0] || !matches(bytes, i, needle)) continue;
            if (found >= 0) return -1;
            found = i;
        }
        return found < 0 ? -1 : found + needle.length - 1 - value.length();
    }

    private static boolean matches(byte[] bytes, int at, byte[] needle) {
        for (int k = 0; k < needle.length; k++) if (bytes[at + k] != needle[k]) return false;
        return true;
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
            TensorData t = tensor(checkpoint, OPTIMIZER_PREFIX + e.getKey(), "optimizer state", null);
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
            System.arraycopy(checkpoint.tensors().get(OPTIMIZER_PREFIX + e.getKey()).values(), 0, e.getValue(), 0, e.getValue().length);
    }

    /**
     * A digest of the model: SHA-256 of its graph IR as {@code netc ir} prints it (every op, shape,
     * parameter name and initialiser, and the loss), so two models hash alike exactly when they compute
     * the same thing. Renaming a value in the source changes it; comments and layout do not.
     */
    public static String modelHash(Graph graph) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(IrPrinter.print(graph).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
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

    /** Optimizer buffers shadow a parameter (buffer "adam_m/dense/kernel" of "dense/kernel"); they take its shape, else stay flat. */
    private static int[] optimizerShape(String name, int length, Map<String, Node> parameters) {
        int slash = name.indexOf('/');
        if (slash >= 0) {
            Optional<Node> p = Optional.ofNullable(parameters.get(name.substring(slash + 1)));
            if (p.isPresent() && TensorData.elementCount(shape(p.get())) == length) return shape(p.get());
        }
        return new int[] {length};
    }
}
