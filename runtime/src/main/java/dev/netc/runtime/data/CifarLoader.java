package dev.netc.runtime.data;

import dev.netc.runtime.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads CIFAR-10 in its binary version: {@code data_batch_1.bin} .. {@code data_batch_5.bin} (training)
 * and {@code test_batch.bin}, in the given directory or its {@code cifar-10-batches-bin} subdirectory.
 * Each record is one label byte (0..9) then 3072 pixel bytes: the 32x32 red plane, then green, then
 * blue, row-major, which is exactly the NCHW example shape [3, 32, 32]. Pixels are scaled to [0, 1].
 * A file whose size is not a whole number of records, or a label outside 0..9, is a
 * {@link DataException} naming the file and the byte offset.
 */
public final class CifarLoader {
    static final int SIDE = 32;
    static final int CHANNELS = 3;
    static final int PIXELS = CHANNELS * SIDE * SIDE;
    static final int RECORD = 1 + PIXELS;
    static final int CLASSES = 10;
    static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";
    static final String SUBDIRECTORY = "cifar-10-batches-bin";

    private CifarLoader() {}

    /** Loads the training split (the five data batches) and the test split from {@code dir}. */
    public static DatasetSplits load(Path dir) throws DataException {
        if (!Files.isDirectory(dir))
            throw new DataException("CIFAR-10 directory " + dir + (Files.exists(dir) ? " is a file, not a directory" : " does not exist")
                    + " (expected a directory holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin, the binary version of CIFAR-10)");
        Path root = !Files.isRegularFile(dir.resolve(TRAIN_FILES.getFirst())) && Files.isDirectory(dir.resolve(SUBDIRECTORY))
                ? dir.resolve(SUBDIRECTORY) : dir;
        List<Path> train = new ArrayList<>();
        for (String name : TRAIN_FILES) train.add(require(root, name));
        Dataset trainSet = read("cifar10-train", train);
        Dataset testSet = read("cifar10-test", List.of(require(root, TEST_FILE)));
        return new DatasetSplits(trainSet, Optional.of(testSet));
    }

    /** Reads and concatenates the records of {@code files} into one dataset. */
    static Dataset read(String name, List<Path> files) throws DataException {
        long total = 0;
        List<Long> sizes = new ArrayList<>();
        for (Path f : files) {
            long size = size(f);
            if (size == 0) throw new DataException(fileName(f) + ": empty file (expected " + RECORD + "-byte records)");
            if (size % RECORD != 0)
                throw new DataException(fileName(f) + ": truncated: " + size + " bytes is not a whole number of " + RECORD
                        + "-byte records (1 label byte + " + PIXELS + " pixels); the record at byte offset " + (size / RECORD * RECORD)
                        + " has only " + (size % RECORD) + " bytes");
            sizes.add(size);
            total += size / RECORD;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 16)
            throw new DataException(name + ": " + total + " images are too many to hold in memory");
        float[] features = new float[(int) (total * PIXELS)];
        int[] labels = new int[(int) total];
        int example = 0;
        for (int k = 0; k < files.size(); k++) {
            Path f = files.get(k);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DataException(fileName(f) + ": cannot read: " + IoErrors.describe(e, f), e);
            }
            if (bytes.length != sizes.get(k)) throw new DataException(fileName(f) + ": changed size while being read");
            for (int offset = 0; offset < bytes.length; offset += RECORD, example++) {
                int label = bytes[offset] & 0xFF;
                if (label >= CLASSES)
                    throw new DataException(fileName(f) + ": label " + label + " at byte offset " + offset + " (record " + offset / RECORD
                            + ") is outside 0..9");
                labels[example] = label;
                int base = example * PIXELS;
                for (int i = 0; i < PIXELS; i++) features[base + i] = (bytes[offset + 1 + i] & 0xFF) / 255f;
            }
        }
        return new Dataset(name, new int[] {CHANNELS, SIDE, SIDE}, features, labels, CLASSES);
    }

    private static Path require(Path dir, String name) throws DataException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f))
            throw new DataException("CIFAR-10 file missing: " + f + " (the directory must hold data_batch_1.bin .. data_batch_5.bin and "
                    + "test_batch.bin from cifar-10-binary.tar.gz)");
        return f;
    }

    private static long size(Path f) throws DataException {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new DataException(fileName(f) + ": cannot read: " + IoErrors.describe(e, f), e);
        }
    }

    private static String fileName(Path file) {
        return file.getFileName().toString();
    }
}
