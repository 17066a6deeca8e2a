package dev.netc.runtime.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (as read by PyTorch's {@code safetensors.torch.load_file}): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section) plus an
 * optional {@code "__metadata__"} object of strings, then the raw little-endian data. Decoding checks
 * the structure completely (sizes, ranges, contiguity) so a damaged file is rejected with a precise
 * reason instead of loading garbage.
 */
public final class SafeTensors {
    public static final String F32 = "F32";
    static final String METADATA_KEY = "__metadata__";
    /** The reference implementation rejects headers above this size; so do we. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry(F32, 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The decoded content of a file: tensors in file order and the metadata strings. */
    public record Content(Map<String, TensorData> tensors, Map<String, String> metadata) {
        public Content {
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Map.copyOf(metadata);
        }
    }

    private SafeTensors() {}

    /** Encodes F32 tensors (written in the map's order) and metadata; the header is space-padded to 8-byte alignment. */
    public static byte[] encode(Map<String, TensorData> tensors, Map<String, String> metadata) {
        ObjectNode header = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> meta.put(e.getKey(), e.getValue()));
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) throw new IllegalArgumentException("tensor name " + METADATA_KEY + " is reserved");
            TensorData t = e.getValue();
            if (!t.dtype().equals(F32) || t.values() == null)
                throw new IllegalArgumentException("tensor '" + e.getKey() + "': only F32 tensors with values can be written");
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", F32);
            var shape = entry.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long end = offset + 4L * t.values().length;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a safetensors header", e);
        }
        int padded = (int) (Math.ceilDiv(8L + json.length, 8) * 8 - 8);
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("checkpoint of " + total + " bytes is too large");
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) out.put((byte) ' ');
        for (TensorData t : tensors.values()) {
            out.asFloatBuffer().put(t.values());
            out.position(out.position() + 4 * t.values().length);
        }
        return out.array();
    }

    /**
     * Decodes and validates a whole file's bytes.
     *
     * @param label names the file in error messages
     * @throws CheckpointException naming the first structural problem
     */
    public static Content decode(byte[] bytes, String label) {
        if (bytes.length < 8)
            throw new CheckpointException(label + ": file is " + bytes.length + " bytes, too short to be a safetensors file "
                    + "(it must start with an 8-byte header length)");
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buffer.getLong(0);
        if (headerLength < 2 || headerLength > bytes.length - 8L || headerLength > MAX_HEADER_BYTES)
            throw new CheckpointException(label + ": header length " + Long.toUnsignedString(headerLength) + " is impossible for a file of "
                    + bytes.length + " bytes (the file is truncated or not a safetensors file)");
        JsonNode header;
        try {
            header = MAPPER.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(label + ": header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject())
            throw new CheckpointException(label + ": header must be a JSON object, got " + (header == null ? "nothing" : header.getNodeType()));
        long dataStart = 8 + headerLength, dataLength = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Slot> slots = new ArrayList<>();
        for (var it = header.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            if (field.getKey().equals(METADATA_KEY)) metadata(field.getValue(), label, metadata);
            else slots.add(slot(field.getKey(), field.getValue(), label, dataLength));
        }
        checkLayout(slots, dataLength, label);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Slot s : slots) {
            float[] values = null;
            if (s.dtype.equals(F32)) {
                values = new float[(int) ((s.end - s.begin) / 4)];
                buffer.slice((int) (dataStart + s.begin), (int) (s.end - s.begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            }
            tensors.put(s.name, new TensorData(s.dtype, s.shape, values));
        }
        return new Content(tensors, metadata);
    }

    /** A tensor's header entry, validated on its own. */
    private record Slot(String name, String dtype, int[] shape, long begin, long end) {}

    private static Slot slot(String name, JsonNode entry, String label, long dataLength) {
        String where = label + ": tensor '" + name + "'";
        if (!entry.isObject()) throw new CheckpointException(where + ": header entry must be an object, got " + entry.getNodeType());
        JsonNode dtypeNode = entry.get("dtype"), shapeNode = entry.get("shape"), offsetsNode = entry.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new CheckpointException(where + ": header entry has no \"dtype\" string");
        String dtype = dtypeNode.asText();
        Integer size = DTYPE_BYTES.get(dtype);
        if (size == null) throw new CheckpointException(where + ": unknown dtype '" + dtype + "'");
        if (shapeNode == null || !shapeNode.isArray()) throw new CheckpointException(where + ": header entry has no \"shape\" array");
        int[] shape = new int[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0)
                throw new CheckpointException(where + ": shape " + shapeNode + " has an invalid dimension " + d);
            shape[i] = d.asInt();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new CheckpointException(where + ": shape " + shapeNode + " is too large");
            }
        }
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2
                || !offsetsNode.get(0).isIntegralNumber() || !offsetsNode.get(1).isIntegralNumber()
                || !offsetsNode.get(0).canConvertToLong() || !offsetsNode.get(1).canConvertToLong())
            throw new CheckpointException(where + ": \"data_offsets\" must be [begin, end], got " + offsetsNode);
        long begin = offsetsNode.get(0).asLong(), end = offsetsNode.get(1).asLong();
        if (begin < 0 || end < begin)
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] are not a valid byte range");
        if (end > dataLength)
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] run past the end of the data section ("
                    + dataLength + " bytes): the file is truncated or its header is wrong");
        long bytes = elements > Long.MAX_VALUE / size ? Long.MAX_VALUE : elements * size;
        if (end - begin != bytes)
            throw new CheckpointException(where + ": " + dtype + " " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        if (dtype.equals(F32) && elements > Integer.MAX_VALUE - 16)
            throw new CheckpointException(where + ": " + elements + " values are too many to hold in memory");
        return new Slot(name, dtype, shape, begin, end);
    }

    private static void metadata(JsonNode node, String label, Map<String, String> into) {
        if (!node.isObject()) throw new CheckpointException(label + ": \"" + METADATA_KEY + "\" must be an object of strings");
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual())
                throw new CheckpointException(label + ": metadata '" + e.getKey() + "' must be a string, got " + e.getValue());
            into.put(e.getKey(), e.getValue().asText());
        }
    }

    /** The tensors must tile the data section exactly: no gap, no overlap, nothing after the last one. */
    private static void checkLayout(List<Slot> slots, long dataLength, String label) {
        List<Slot> sorted = new ArrayList<>(slots);
        sorted.sort(Comparator.comparingLong(Slot::begin).thenComparingLong(Slot::end));
        long expected = 0;
        Slot previous = null;
        for (Slot s : sorted) {
            if (s.begin < expected)
                throw new CheckpointException(label + ": tensors '" + previous.name + "' (bytes " + previous.begin + "-" + previous.end
                        + ") and '" + s.name + "' (bytes " + s.begin + "-" + s.end + ") overlap");
            if (s.begin > expected)
                throw new CheckpointException(label + ": bytes " + expected + "-" + s.begin + " of the data section belong to no tensor"
                        + " (tensor '" + s.name + "' starts at " + s.begin + ")");
            expected = s.end;
            previous = s;
        }
        if (expected != dataLength)
            throw new CheckpointException(label + ": " + (dataLength - expected) + " bytes after the last tensor belong to no tensor"
                    + " (the data section is " + dataLength + " bytes, the tensors cover " + expected + ")");
    }
}
