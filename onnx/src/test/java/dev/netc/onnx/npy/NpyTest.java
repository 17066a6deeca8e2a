package dev.netc.onnx.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    /** A file as NumPy 1.x writes it: version 1.0, header padded with spaces to 64 bytes, ending in a newline. */
    static byte[] numpyFile(String dict, int major, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        int padded = (int) (Math.ceilDiv(prefix + dict.length() + 1L, 64) * 64) - prefix;
        String header = dict + " ".repeat(padded - dict.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(prefix + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) padded); else b.putInt(padded);
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    @Test
    void readsWhatNumpyWrites() {
        byte[] file = numpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1, floats(1, 2, 3, 4, 5, 6.5f));
        NpyArray a = Npy.decode(file, "a.npy");
        assertEquals(new NpyArray.F32(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6.5f}), a);
        NpyArray v2 = Npy.decode(numpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", 2,
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-1).putInt(Integer.MAX_VALUE).array()), "b.npy");
        assertEquals(new NpyArray.I32(new int[] {3}, new int[] {7, -1, Integer.MAX_VALUE}), v2);
        // the same bytes as NumPy: the writer's header is the one numpy.save produces for this array
        assertArrayEquals(file, Npy.encode(a));
    }

    @Test
    void roundTripsEveryRankAndType() {
        for (NpyArray a : new NpyArray[] {new NpyArray.F32(new int[0], new float[] {3.25f}), new NpyArray.F32(new int[] {4}, new float[] {1, -2, Float.NaN, 0}),
                new NpyArray.I32(new int[] {2, 1, 2}, new int[] {1, 2, 3, 4}), new NpyArray.F32(new int[] {0, 5}, new float[0])}) {
            byte[] bytes = Npy.encode(a);
            assertEquals(0, (bytes.length - 4 * a.size()) % 64, "header aligned to 64 bytes");
            assertEquals(a, Npy.decode(bytes, "x.npy"));
        }
        byte[] four = Npy.encode(new NpyArray.F32(new int[] {4}, new float[4]));
        String header = new String(four, 10, (four[8] & 0xFF) | (four[9] & 0xFF) << 8, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }") && header.endsWith("\n"), header);
    }

    @Test
    void refusesDamagedAndUnsupportedFiles() {
        String f23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        byte[] good = numpyFile(f23, 1, floats(1, 2, 3, 4, 5, 6));
        assertMessage("not a .npy file", () -> Npy.decode("hello, world".getBytes(StandardCharsets.UTF_8), "t.npy"));
        assertMessage("truncated: shape [2, 3] needs 24 bytes of data, the file has 20", () -> Npy.decode(Arrays.copyOf(good, good.length - 4), "t.npy"));
        assertMessage("corrupt: shape [2, 3] needs 24 bytes of data, the file has 28", () -> Npy.decode(Arrays.copyOf(good, good.length + 4), "t.npy"));
        assertMessage("truncated: the header needs", () -> Npy.decode(Arrays.copyOf(good, 40), "t.npy"));
        assertMessage("element type '<f8' is not supported", () -> Npy.decode(numpyFile(f23.replace("<f4", "<f8"), 1, new byte[48]), "t.npy"));
        assertMessage("element type '>f4' is not supported", () -> Npy.decode(numpyFile(f23.replace("<f4", ">f4"), 1, new byte[24]), "t.npy"));
        assertMessage("Fortran (column-major) order", () -> Npy.decode(numpyFile(f23.replace("False", "True"), 1, new byte[24]), "t.npy"));
        assertMessage("no 'shape' tuple", () -> Npy.decode(numpyFile("{'descr': '<f4', 'fortran_order': False, }", 1, new byte[4]), "t.npy"));
        assertMessage("corrupt header", () -> Npy.decode(numpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 1, new byte[24]), "t.npy"));
        assertMessage("format version 4.0 is not supported", () -> {
            byte[] v4 = good.clone();
            v4[6] = 4;
            return Npy.decode(v4, "t.npy");
        });
    }

    @Test
    void readingAFileNamesIt(@TempDir Path dir) {
        assertMessage(dir.resolve("missing.npy") + ": no such file", () -> Npy.read(dir.resolve("missing.npy")));
        assertMessage("is a directory", () -> Npy.read(dir));
    }

    private static void assertMessage(String expected, java.util.function.Supplier<?> action) {
        NpyException e = assertThrows(NpyException.class, action::get);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
