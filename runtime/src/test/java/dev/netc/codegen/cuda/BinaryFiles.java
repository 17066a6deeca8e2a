package dev.netc.codegen.cuda;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Raw little-endian float32 / int32 arrays, the exchange format with the emulated program. */
final class BinaryFiles {
    private BinaryFiles() {}

    static void writeFloats(Path file, float[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        Files.write(file, b.array());
    }

    static void writeInts(Path file, int[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        Files.write(file, b.array());
    }

    /** The file's values as doubles, read as float32 or int32. */
    static double[] read(Path file, boolean isInt) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) out[i] = isInt ? b.getInt() : b.getFloat();
        return out;
    }
}
