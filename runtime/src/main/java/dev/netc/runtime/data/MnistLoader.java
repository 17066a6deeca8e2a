package dev.netc.runtime.data;

import dev.netc.runtime.io.IoErrors;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST in its idx format from a directory holding {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte},
 * each either raw or gzip-compressed ({@code .gz}). Every structural problem (magic number, image size,
 * truncation, trailing bytes, count mismatch, label range) is a {@link DataException} naming the file.
 * Pixels are scaled to [0, 1]; examples have shape [1, 28, 28].
 */
public final class MnistLoader {
    static final int IMAGE_MAGIC = 2051;
    static final int LABEL_MAGIC = 2049;
    static final int SIDE = 28;
    static final int CLASSES = 10;
    private static final int BUFFER = 1 << 16;
    /** Bodies up to this size are read straight into one array (full MNIST is 47 MB); larger claims are read in growing chunks. */
    private static final long DIRECT_READ_LIMIT = 1L << 28;

    private MnistLoader() {}

    /** Loads the training and test splits from {@code dir}. */
    public static DatasetSplits load(Path dir) throws DataException {
        if (!Files.isDirectory(dir))
            throw new DataException("MNIST directory " + dir + (Files.exists(dir) ? " is a file, not a directory" : " does not exist")
                    + " (expected a directory holding train-images-idx3-ubyte[.gz], "
                    + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])");
        Dataset train = loadSplit(dir, "train", "mnist-train");
        Dataset test = loadSplit(dir, "t10k", "mnist-test");
        return new DatasetSplits(train, Optional.of(test));
    }

    private static Dataset loadSplit(Path dir, String prefix, String name) throws DataException {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        byte[] pixels;
        int images;
        try (DataInputStream in = open(imagesFile)) {
            images = readImagesHeader(in, imagesFile);
            pixels = readBody(in, imagesFile, images, SIDE * SIDE, "images");
        } catch (IOException e) {
            throw unreadable(imagesFile, e);
        }
        int[] labels;
        try (DataInputStream in = open(labelsFile)) {
            int count = readLabelsHeader(in, labelsFile);
            if (count != images)
                throw new DataException(fileName(labelsFile) + ": holds " + count + " labels but " + fileName(imagesFile)
                        + " holds " + images + " images");
            byte[] raw = readBody(in, labelsFile, count, 1, "labels");
            labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= CLASSES)
                    throw new DataException(fileName(labelsFile) + ": label " + labels[i] + " of example " + i + " is outside 0..9");
            }
        } catch (IOException e) {
            throw unreadable(labelsFile, e);
        }
        float[] features = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) features[i] = (pixels[i] & 0xFF) / 255f;
        return new Dataset(name, new int[] {1, SIDE, SIDE}, features, labels, CLASSES);
    }

    /** The raw file if present, else the gzip one. */
    private static Path find(Path dir, String base) throws DataException {
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) return raw;
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        throw new DataException("MNIST file missing: looked for " + raw + " and " + gz);
    }

    private static DataInputStream open(Path file) throws IOException, DataException {
        if (Files.size(file) == 0)
            throw new DataException(fileName(file) + ": the file is empty (0 bytes); expected an idx" + (fileName(file).endsWith(".gz")
                    ? " file compressed with gzip" : " file") + " (an interrupted download?)");
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            if (file.getFileName().toString().endsWith(".gz")) in = new GZIPInputStream(in, BUFFER);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return new DataInputStream(in);
    }

    private static int readImagesHeader(DataInputStream in, Path file) throws IOException, DataException {
        try {
            checkMagic(in.readInt(), IMAGE_MAGIC, file, "idx3 image");
            int count = in.readInt(), rows = in.readInt(), cols = in.readInt();
            if (count < 0) throw new DataException(fileName(file) + ": negative image count " + count + " in header");
            if (rows != SIDE || cols != SIDE)
                throw new DataException(fileName(file) + ": images are " + rows + "x" + cols + ", expected " + SIDE + "x" + SIDE);
            return count;
        } catch (EOFException e) {
            throw new DataException(fileName(file) + ": truncated: file ends inside its 16-byte header");
        }
    }

    private static int readLabelsHeader(DataInputStream in, Path file) throws IOException, DataException {
        try {
            checkMagic(in.readInt(), LABEL_MAGIC, file, "idx1 label");
            int count = in.readInt();
            if (count < 0) throw new DataException(fileName(file) + ": negative label count " + count + " in header");
            return count;
        } catch (EOFException e) {
            throw new DataException(fileName(file) + ": truncated: file ends inside its 8-byte header");
        }
    }

    private static void checkMagic(int magic, int expected, Path file, String kind) throws DataException {
        if (magic == expected) return;
        String hint = (magic >>> 16) == 0x1f8b ? " (the file looks gzip-compressed; name it .gz)" : "";
        throw new DataException(fileName(file) + ": bad magic number " + magic + " (0x" + Integer.toHexString(magic)
                + "), expected " + expected + " for an " + kind + " file" + hint);
    }

    /** Reads exactly {@code count} records of {@code recordSize} bytes and checks nothing follows them. */
    private static byte[] readBody(InputStream in, Path file, int count, int recordSize, String what)
            throws IOException, DataException {
        long expected = (long) count * recordSize;
        if (expected > Integer.MAX_VALUE - 16)
            throw new DataException(fileName(file) + ": header promises " + count + " " + what + ", too many to hold in memory");
        byte[] body;
        if (expected <= DIRECT_READ_LIMIT) {
            body = new byte[(int) expected];
            int read = in.readNBytes(body, 0, body.length);
            if (read < expected) body = Arrays.copyOf(body, read);
        } else {
            body = in.readNBytes((int) expected); // grows as data arrives, so a lying header cannot force a huge allocation
        }
        if (body.length < expected) {
            int whole = body.length / recordSize;
            String partial = body.length % recordSize == 0 ? "" : " and part of another";
            throw new DataException(fileName(file) + ": truncated: header promises " + count + " " + what
                    + ", file holds " + whole + partial);
        }
        long extra = in.transferTo(OutputStream.nullOutputStream());
        if (extra > 0)
            throw new DataException(fileName(file) + ": " + extra + " unexpected trailing bytes after the " + count + " " + what
                    + " the header promises");
        return body;
    }

    private static DataException unreadable(Path file, IOException e) {
        String what = switch (e) {
            case ZipException z -> "corrupt gzip data: " + IoErrors.reason(e);
            case EOFException eof when fileName(file).endsWith(".gz") ->
                    "truncated gzip data: the compressed stream ends early, at the end of the file" + size(file) + "; an interrupted download?";
            default -> "cannot read: " + IoErrors.describe(e, file);
        };
        return new DataException(fileName(file) + ": " + what, e);
    }

    /** " (N bytes)", or nothing when the size cannot be read. */
    private static String size(Path file) {
        try {
            return " (" + Files.size(file) + " bytes)";
        } catch (IOException e) {
            return "";
        }
    }

    private static String fileName(Path file) {
        return file.getFileName().toString();
    }
}
