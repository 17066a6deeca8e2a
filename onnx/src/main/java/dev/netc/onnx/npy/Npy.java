package dev.netc.onnx.npy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NumPy {@code .npy} format (versions 1.0, 2.0 and 3.0): the magic {@code \x93NUMPY}, a version,
 * a little-endian header length (2 bytes in 1.0, 4 after), a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces to a
 * multiple of 64 bytes and ending in a newline, then the raw data. Reading checks every part and the
 * data's exact length, so a damaged or truncated file is refused with the reason, never half-read.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Larger headers are certainly not written by NumPy (it keeps them small); refusing them bounds the parse. */
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {}

    /** Reads a .npy file; a missing, unreadable or damaged file is an {@link NpyException} naming it. */
    public static NpyArray read(java.nio.file.Path file) {
        byte[] bytes;
        try {
            if (java.nio.file.Files.isDirectory(file)) throw new NpyException(file + ": is a directory, not a .npy file");
            bytes = java.nio.file.Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new NpyException(file + ": no such file");
        } catch (java.io.IOException e) {
            throw new NpyException(file + ": cannot read: " + dev.netc.runtime.io.IoErrors.describe(e, file));
        } catch (OutOfMemoryError e) {
            throw new NpyException(file + ": cannot read: the file is too large for the memory this JVM may use");
        }
        return decode(bytes, file.toString());
    }

    /** Decodes a whole file's bytes; {@code label} names the file in messages. */
    public static NpyArray decode(byte[] bytes, String label) {
        if (bytes.length < 10 || !startsWithMagic(bytes))
            throw new NpyException(label + ": not a .npy file (it does not start with \\x93NUMPY)");
        int major = bytes[6] & 0xFF;
        if (major < 1 || major > 3)
            throw new NpyException(label + ": .npy format version " + major + "." + (bytes[7] & 0xFF) + " is not supported (1.0 to 3.0 are)");
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int prefix = major == 1 ? 10 : 12;
        if (bytes.length < prefix) throw new NpyException(label + ": truncated: the file ends inside the header length");
        long headerLength = major == 1 ? in.getShort(8) & 0xFFFF : in.getInt(8) & 0xFFFFFFFFL;
        if (headerLength > MAX_HEADER) throw new NpyException(label + ": corrupt: header length " + headerLength + " bytes");
        if (prefix + headerLength > bytes.length)
            throw new NpyException(label + ": truncated: the header needs " + headerLength + " bytes, the file has " + (bytes.length - prefix));
        String header = new String(bytes, prefix, (int) headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new HeaderParser(header, label).parse();
        Object descr = dict.get("descr"), fortran = dict.get("fortran_order"), shapeValue = dict.get("shape");
        if (!(descr instanceof String d)) throw new NpyException(label + ": corrupt header: no 'descr' string: " + header.strip());
        if (!(fortran instanceof Boolean f)) throw new NpyException(label + ": corrupt header: no 'fortran_order' True/False: " + header.strip());
        if (!(shapeValue instanceof int[] shape)) throw new NpyException(label + ": corrupt header: no 'shape' tuple: " + header.strip());
        if (dict.size() != 3) throw new NpyException(label + ": corrupt header: keys other than descr, fortran_order and shape: " + header.strip());
        long count = NpyArray.count(shape);
        boolean multiDim = java.util.Arrays.stream(shape).filter(n -> n > 1).count() > 1;
        if (f && multiDim)
            throw new NpyException(label + ": the array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)");
        if (!d.equals("<f4") && !d.equals("<i4"))
            throw new NpyException(label + ": element type '" + d + "' is not supported: netc reads little-endian f32 ('<f4') and i32 ('<i4'); "
                    + "convert with array.astype(numpy.float32) or numpy.int32");
        long dataStart = prefix + headerLength, expected = count * 4;
        if (count > Integer.MAX_VALUE - 8) throw new NpyException(label + ": " + count + " elements are more than netc can hold in one array");
        if (bytes.length - dataStart != expected)
            throw new NpyException(label + ": " + (bytes.length - dataStart < expected ? "truncated" : "corrupt") + ": shape "
                    + java.util.Arrays.toString(shape) + " needs " + expected + " bytes of data, the file has " + (bytes.length - dataStart));
        in.position((int) dataStart);
        if (d.equals("<f4")) {
            float[] values = new float[(int) count];
            in.asFloatBuffer().get(values);
            return new NpyArray.F32(shape, values);
        }
        int[] values = new int[(int) count];
        in.asIntBuffer().get(values);
        return new NpyArray.I32(shape, values);
    }

    /** Encodes an array as a version 1.0 file (version 2.0 when the header would not fit 1.0's 65,535 bytes). */
    public static byte[] encode(NpyArray array) {
        int[] shape = array.shape();
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) dims.append(i == 0 ? "" : ", ").append(shape[i]);
        if (shape.length == 1) dims.append(',');
        dims.append(')');
        String dict = "{'descr': '" + array.descr() + "', 'fortran_order': False, 'shape': " + dims + ", }";
        boolean v2 = dict.length() + 12 > 65_535;
        int prefix = v2 ? 12 : 10;
        int padded = (int) (Math.ceilDiv(prefix + dict.length() + 1L, 64) * 64) - prefix;  // the header ends with '\n'
        String header = dict + " ".repeat(padded - dict.length() - 1) + "\n";
        long count = array.size();
        ByteBuffer out = ByteBuffer.allocate((int) (prefix + padded + 4 * count)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (v2 ? 2 : 1)).put((byte) 0);
        if (v2) out.putInt(padded); else out.putShort((short) padded);
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        switch (array) {
            case NpyArray.F32 f -> out.asFloatBuffer().put(f.values());
            case NpyArray.I32 i -> out.asIntBuffer().put(i.values());
        }
        return out.array();
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < MAGIC.length; i++) if (bytes[i] != MAGIC[i]) return false;
        return true;
    }

    /** The header's dict literal: string keys; string, True/False or tuple-of-integers values. */
    private static final class HeaderParser {
        private final String s;
        private final String label;
        private int at;

        HeaderParser(String s, String label) {
            this.s = s;
            this.label = label;
        }

        Map<String, Object> parse() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') break;
                String key = string();
                expect(':');
                skipSpace();
                Object value = switch (peek()) {
                    case '\'', '"' -> string();
                    case '(' -> tuple();
                    default -> bool();
                };
                if (out.put(key, value) != null) throw error("key '" + key + "' appears twice");
                skipSpace();
                if (peek() == ',') at++;
                else if (peek() != '}') throw error("expected ',' or '}'");
            }
            at++;
            if (!s.substring(at).isBlank()) throw error("text after the dict");
            return out;
        }

        private String string() {
            skipSpace();
            char quote = peek();
            if (quote != '\'' && quote != '"') throw error("expected a quoted string");
            int end = s.indexOf(quote, at + 1);
            if (end < 0) throw error("unterminated string");
            String value = s.substring(at + 1, end);
            at = end + 1;
            return value;
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') break;
                int start = at;
                while (at < s.length() && Character.isDigit(s.charAt(at))) at++;
                if (start == at) throw error("expected a dimension (a non-negative integer)");
                try {
                    dims.add(Integer.parseInt(s.substring(start, at)));
                } catch (NumberFormatException e) {
                    throw error("dimension " + s.substring(start, at) + " is too large");
                }
                skipSpace();
                if (peek() == ',') at++;
                else if (peek() != ')') throw error("expected ',' or ')' in the shape");
            }
            at++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private Boolean bool() {
            if (s.startsWith("True", at)) { at += 4; return true; }
            if (s.startsWith("False", at)) { at += 5; return false; }
            throw error("expected a string, a tuple, True or False");
        }

        private void expect(char c) {
            skipSpace();
            if (peek() != c) throw error("expected '" + c + "'");
            at++;
        }

        private char peek() {
            if (at >= s.length()) throw error("the header ends early");
            return s.charAt(at);
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) at++;
        }

        private NpyException error(String what) {
            return new NpyException(label + ": corrupt header at character " + at + ": " + what + ": " + s.strip());
        }
    }
}
