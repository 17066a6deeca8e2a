package dev.netc.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {
    static final Map<String, TensorData> TENSORS = new LinkedHashMap<>();

    static {
        TENSORS.put("dense/kernel", TensorData.f32(new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 0, -0f}));
        TENSORS.put("dense/bias", TensorData.f32(new int[] {3}, new float[] {0.1f, 0.2f, 0.3f}));
        TENSORS.put("scale", TensorData.f32(new int[] {}, new float[] {42}));
        TENSORS.put("empty", TensorData.f32(new int[] {0, 4}, new float[0]));
    }

    /** Builds a file by hand from a header string and a data section. */
    static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    static String failure(byte[] bytes) {
        return assertThrows(CheckpointException.class, () -> SafeTensors.decode(bytes, "f.safetensors")).getMessage();
    }

    /** Reads the encoding the way the safetensors specification describes it, independently of decode. */
    @Test
    void layoutFollowsTheSpecification() throws Exception {
        byte[] bytes = SafeTensors.encode(TENSORS, Map.of("format", "netc-checkpoint/1", "step", "7"));
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buffer.getLong(0);
        assertEquals(0, (8 + n) % 8, "data section is 8-byte aligned");
        String headerText = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(headerText.startsWith("{"), headerText);
        JsonNode header = new ObjectMapper().readTree(headerText);
        JsonNode meta = header.get("__metadata__");
        assertEquals("netc-checkpoint/1", meta.get("format").textValue());
        assertEquals("7", meta.get("step").textValue());
        long dataStart = 8 + n, covered = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = header.properties().iterator();
        int tensors = 0;
        while (fields.hasNext()) {
            var field = fields.next();
            if (field.getKey().equals("__metadata__")) continue;
            tensors++;
            TensorData expected = TENSORS.get(field.getKey());
            JsonNode entry = field.getValue();
            assertEquals("F32", entry.get("dtype").textValue());
            int[] shape = new int[entry.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = entry.get("shape").get(i).intValue();
            assertArrayEquals(expected.shape(), shape, field.getKey());
            long begin = entry.get("data_offsets").get(0).longValue(), end = entry.get("data_offsets").get(1).longValue();
            assertEquals(covered, begin, "tensors are contiguous in header order");
            assertEquals(4L * expected.values().length, end - begin);
            for (int i = 0; i < expected.values().length; i++)
                assertEquals(Float.floatToRawIntBits(expected.values()[i]), buffer.getInt((int) (dataStart + begin + 4L * i)),
                        field.getKey() + "[" + i + "] little-endian");
            covered = end;
        }
        assertEquals(TENSORS.size(), tensors);
        assertEquals(bytes.length - dataStart, covered, "nothing after the last tensor");
    }

    @Test
    void roundTripsTensorsAndMetadata() {
        byte[] bytes = SafeTensors.encode(TENSORS, Map.of("k", "v"));
        SafeTensors.Content c = SafeTensors.decode(bytes, "f");
        assertEquals(TENSORS, c.tensors());
        assertEquals(java.util.List.copyOf(TENSORS.keySet()), java.util.List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("k", "v"), c.metadata());
    }

    @Test
    void readsOtherDtypesStructurallyWithoutValues() {
        byte[] bytes = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        TensorData t = SafeTensors.decode(bytes, "f").tensors().get("h");
        assertEquals("F16", t.dtype());
        assertArrayEquals(new int[] {2}, t.shape());
        assertNull(t.values());
    }

    @Test
    void rejectsDamagedFilesWithTheReason() {
        assertEquals("f.safetensors: file is 3 bytes, too short to be a safetensors file (it must start with an 8-byte header length)",
                failure(new byte[3]));
        byte[] valid = SafeTensors.encode(TENSORS, Map.of());
        assertTrue(failure(Arrays.copyOf(valid, valid.length - 5)).contains("run past the end of the data section"),
                "truncated inside the data");
        assertTrue(failure(Arrays.copyOf(valid, 40)).contains("is impossible for a file of 40 bytes"), "truncated inside the header");
        assertTrue(failure(file("{\"a\": [", new byte[0])).startsWith("f.safetensors: header is not valid JSON"));
        assertTrue(failure(file("[1]", new byte[0])).contains("header must be a JSON object"));
        assertEquals("f.safetensors: tensor 'a': unknown dtype 'F12'",
                failure(file("{\"a\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])));
        assertEquals("f.safetensors: tensor 'a': F32 [3] needs 12 bytes but data_offsets [0, 8] span 8",
                failure(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8])));
        assertTrue(failure(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]))
                .contains("bytes 0-4 of the data section belong to no tensor"));
        assertTrue(failure(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8])).contains("overlap"));
        assertTrue(failure(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[6]))
                .contains("2 bytes after the last tensor belong to no tensor"));
        assertEquals("f.safetensors: metadata 'step' must be a string, got 3",
                failure(file("{\"__metadata__\":{\"step\":3}}", new byte[0])));
        assertTrue(failure(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])).contains("not valid JSON"), "duplicate");
    }
}
