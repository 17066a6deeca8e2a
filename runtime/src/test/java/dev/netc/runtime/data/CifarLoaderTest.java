package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarLoaderTest {
    /** {@code records} records whose label is (first + i) % 10 and whose pixels are (label + j) % 256. */
    static byte[] batch(int records, int first) {
        byte[] bytes = new byte[records * CifarLoader.RECORD];
        for (int i = 0; i < records; i++) {
            int label = (first + i) % 10;
            bytes[i * CifarLoader.RECORD] = (byte) label;
            for (int j = 0; j < CifarLoader.PIXELS; j++) bytes[i * CifarLoader.RECORD + 1 + j] = (byte) (label + j);
        }
        return bytes;
    }

    /** Five training batches of {@code perBatch} records and a test batch of 3, as the real files are laid out. */
    public static void writeValid(Path dir, int perBatch) throws IOException {
        for (int k = 0; k < CifarLoader.TRAIN_FILES.size(); k++) Files.write(dir.resolve(CifarLoader.TRAIN_FILES.get(k)), batch(perBatch, k));
        Files.write(dir.resolve(CifarLoader.TEST_FILE), batch(3, 7));
    }

    @Test
    void readsRecordsAsChannelPlanes(@TempDir Path dir) throws Exception {
        writeValid(dir, 2);
        DatasetSplits s = CifarLoader.load(dir);
        assertEquals(10, s.train().size());
        assertArrayEquals(new int[] {3, 32, 32}, s.train().exampleShape());
        assertArrayEquals(new int[] {0, 1, 1, 2, 2, 3, 3, 4, 4, 5}, s.train().labels());
        assertArrayEquals(new int[] {7, 8, 9}, s.test().get().labels());
        float[] f = s.train().features();
        assertEquals(0f, f[0]);
        assertEquals(5 / 255f, f[5]);
        assertEquals(((1 + 1024) % 256) / 255f, f[CifarLoader.PIXELS + 1024], "record 1, green plane, first pixel");
    }

    @Test
    void findsTheTarballSubdirectory(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectory(dir.resolve(CifarLoader.SUBDIRECTORY));
        writeValid(sub, 1);
        assertEquals(5, CifarLoader.load(dir).train().size());
    }

    @Test
    void corruptFilesAreNamed(@TempDir Path dir) throws Exception {
        writeValid(dir, 2);
        byte[] full = batch(3, 7);
        Files.write(dir.resolve("test_batch.bin"), java.util.Arrays.copyOf(full, full.length - 100));
        assertEquals("test_batch.bin: truncated: 9119 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixels); "
                + "the record at byte offset 6146 has only 2973 bytes", assertThrows(DataException.class, () -> CifarLoader.load(dir)).getMessage());

        byte[] badLabel = batch(2, 0);
        badLabel[CifarLoader.RECORD] = 12;
        Files.write(dir.resolve("test_batch.bin"), badLabel);
        assertEquals("test_batch.bin: label 12 at byte offset 3073 (record 1) is outside 0..9",
                assertThrows(DataException.class, () -> CifarLoader.load(dir)).getMessage());

        Files.delete(dir.resolve("data_batch_3.bin"));
        assertTrue(assertThrows(DataException.class, () -> CifarLoader.load(dir)).getMessage().startsWith("CIFAR-10 file missing: "));
        Files.write(dir.resolve("data_batch_3.bin"), new byte[0]);
        assertEquals("data_batch_3.bin: empty file (expected 3073-byte records)",
                assertThrows(DataException.class, () -> CifarLoader.load(dir)).getMessage());
    }
}
