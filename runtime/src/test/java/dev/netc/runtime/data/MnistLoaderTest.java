package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistLoaderTest {
    static final int PIXELS = 28 * 28;

    static Path realMnist() {
        Path dir = Path.of(System.getProperty("netc.projectRoot", "."), "..", "shared", "data", "mnist").normalize();
        assumeTrue(Files.isDirectory(dir), "MNIST not found at " + dir + "; skipping the real-data test");
        return dir;
    }

    @Test
    void loadsTheRealSubset() throws DataException {
        DatasetSplits splits = MnistLoader.load(realMnist());
        Dataset train = splits.train(), test = splits.test().orElseThrow();
        assertEquals(20_000, train.size());
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {1, 28, 28}, train.exampleShape());
        assertEquals(10, train.classes());
        assertArrayEquals(new int[] {1994, 2281, 1929, 2076, 1945, 1775, 1971, 2093, 1922, 2014}, train.labelHistogram());
        assertEquals(10_000, Arrays.stream(test.labelHistogram()).sum());
        for (Dataset d : new Dataset[] {train, test}) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (float v : d.features()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
        }
    }

    // ---- synthetic idx files ----

    static byte[] images(int magic, int count, int rows, int cols, int pixelBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < pixelBytes; i++) out.writeByte(i % 256);
        return bytes.toByteArray();
    }

    static byte[] images(int count) throws IOException { return images(2051, count, 28, 28, count * PIXELS); }

    static byte[] labels(int magic, int count, int... values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        for (int v : values) out.writeByte(v);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    /** A valid set: 5 training and 3 test examples, all gzip-compressed. */
    static void writeValid(Path dir) throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(images(5)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(2049, 5, 0, 1, 2, 9, 4)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(3)));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labels(2049, 3, 7, 8, 9)));
    }

    static String failure(Path dir) {
        return assertThrows(DataException.class, () -> MnistLoader.load(dir)).getMessage();
    }

    @Test
    void loadsValidFilesRawOrCompressed(@TempDir Path dir) throws Exception {
        writeValid(dir);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(2049, 3, 7, 8, 9)); // raw beside gzip ones
        DatasetSplits splits = MnistLoader.load(dir);
        assertArrayEquals(new int[] {0, 1, 2, 9, 4}, splits.train().labels());
        assertArrayEquals(new int[] {7, 8, 9}, splits.test().get().labels());
        float[] f = splits.train().features();
        assertEquals(5 * PIXELS, f.length);
        assertEquals(0f, f[0]);
        assertEquals(51 / 255f, f[51]);
        assertEquals(1f, f[255]);
        assertEquals((PIXELS % 256) / 255f, f[PIXELS], "second image starts where the first ends");
    }

    @Test
    void badMagicNumber(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.delete(dir.resolve("train-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(2049, 5, 28, 28, 5 * PIXELS));
        assertEquals("train-images-idx3-ubyte: bad magic number 2049 (0x801), expected 2051 for an idx3 image file", failure(dir));
    }

    @Test
    void uncompressedNameOnCompressedContent(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.move(dir.resolve("train-labels-idx1-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte"));
        assertEquals(true, failure(dir).startsWith("train-labels-idx1-ubyte: bad magic number"));
        assertEquals(true, failure(dir).endsWith("expected 2049 for an idx1 label file (the file looks gzip-compressed; name it .gz)"));
    }

    @Test
    void truncatedLabels(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labels(2049, 3, 7, 8)));
        assertEquals("t10k-labels-idx1-ubyte.gz: truncated: header promises 3 labels, file holds 2", failure(dir));
    }

    @Test
    void truncatedImagesMidImage(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(images(2051, 5, 28, 28, 4 * PIXELS + 100)));
        assertEquals("train-images-idx3-ubyte.gz: truncated: header promises 5 images, file holds 4 and part of another", failure(dir));
    }

    @Test
    void truncatedHeader(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(new byte[] {0, 0, 8, 3, 0, 0}));
        assertEquals("t10k-images-idx3-ubyte.gz: truncated: file ends inside its 16-byte header", failure(dir));
    }

    @Test
    void countMismatch(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(2049, 4, 0, 1, 2, 3)));
        assertEquals("train-labels-idx1-ubyte.gz: holds 4 labels but train-images-idx3-ubyte.gz holds 5 images", failure(dir));
    }

    @Test
    void trailingGarbage(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(2049, 5, 0, 1, 2, 3, 4, 5, 6, 7)));
        assertEquals("train-labels-idx1-ubyte.gz: 3 unexpected trailing bytes after the 5 labels the header promises", failure(dir));
    }

    @Test
    void labelOutOfRange(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labels(2049, 3, 7, 10, 9)));
        assertEquals("t10k-labels-idx1-ubyte.gz: label 10 of example 1 is outside 0..9", failure(dir));
    }

    @Test
    void wrongImageSize(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(images(2051, 5, 32, 32, 5 * 32 * 32)));
        assertEquals("train-images-idx3-ubyte.gz: images are 32x32, expected 28x28", failure(dir));
    }

    @Test
    void notGzipAtAll(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), images(5));
        assertEquals("train-images-idx3-ubyte.gz: corrupt gzip data: Not in GZIP format", failure(dir));
    }

    @Test
    void gzipCutShort(@TempDir Path dir) throws IOException {
        writeValid(dir);
        byte[] whole = gzip(images(5));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(whole, whole.length / 2));
        assertEquals("train-images-idx3-ubyte.gz: truncated gzip data: the compressed stream ends early, at the end of the file ("
                + whole.length / 2 + " bytes); an interrupted download?", failure(dir));
    }

    /** Issue 10: an empty .gz said "truncated gzip data: null". */
    @Test
    void emptyFilesSaySo(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), new byte[0]);
        assertEquals("train-labels-idx1-ubyte.gz: the file is empty (0 bytes); expected an idx file compressed with gzip"
                + " (an interrupted download?)", failure(dir));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), Arrays.copyOf(gzip(new byte[] {1, 2, 3}), 5)); // inside the gzip header
        String message = failure(dir);
        assertEquals(true, message.startsWith("train-labels-idx1-ubyte.gz: truncated gzip data: the compressed stream ends early"), message);
        assertEquals(false, message.contains("null"), message);
    }

    /** Issue 10: {@code --data FILE} said the directory does not exist. */
    @Test
    void aFileWhereTheDirectoryShouldBe(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("mnist.tar"), "not a directory");
        assertEquals(true, failure(file).startsWith("MNIST directory " + file + " is a file, not a directory"), failure(file));
    }

    @Test
    void missingFile(@TempDir Path dir) throws IOException {
        writeValid(dir);
        Files.delete(dir.resolve("t10k-images-idx3-ubyte.gz"));
        assertEquals("MNIST file missing: looked for " + dir.resolve("t10k-images-idx3-ubyte") + " and "
                + dir.resolve("t10k-images-idx3-ubyte.gz"), failure(dir));
    }

    @Test
    void missingDirectory(@TempDir Path dir) {
        Path absent = dir.resolve("nowhere");
        assertEquals(true, failure(absent).startsWith("MNIST directory " + absent + " does not exist"));
    }
}
