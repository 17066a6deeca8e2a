package dev.netc.runtime.data;

import dev.netc.runtime.io.IoErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Reads a classification dataset from CSV: comma-separated numeric feature columns and one label
 * column, one example per line; blank lines and lines starting with {@code #} are skipped. Labels are
 * class indices (0, 1, ...; "2.0" counts as 2) or names, numbered in sorted order ({@link Labels}): by
 * default indices when any training label is a number, names when none is, so a stray {@code -1} or
 * {@code 1.5} among class indices is an error naming its line rather than a silent switch to names that
 * would renumber every class. Every problem is a {@link DataException} naming the file and line, e.g.
 * {@code iris.csv:17: has 4 columns, expected 5 (as in line 1)}.
 */
public final class CsvLoader {
    /** Which column holds the label. */
    public sealed interface LabelColumn {
        /** The column with this header name (needs a header line). */
        record Named(String name) implements LabelColumn {}

        /** The column at this 0-based index. */
        record Index(int index) implements LabelColumn {}

        /** The last column (the default). */
        record Last() implements LabelColumn {}
    }

    /** How label texts become class indices. */
    public enum Labels {
        /** Indices when any training label is a number (then every label must be a class index), else names. */
        AUTO,
        /** Every label is a class name, numbered in sorted order, even "0" or "-1". */
        NAMES,
        /** Every label must be a class index: 0, 1, ... */
        INDICES
    }

    /**
     * @param label   the label column
     * @param header  whether the first line names the columns; empty: yes when the label is named or a
     *                non-label cell of the first line is not a number
     * @param classes the number of classes; empty: the largest label + 1 (or the number of label names)
     * @param labels  class indices or names
     */
    public record Options(LabelColumn label, Optional<Boolean> header, OptionalInt classes, Labels labels) {
        public static final Options DEFAULT = new Options(new LabelColumn.Last(), Optional.empty(), OptionalInt.empty(), Labels.AUTO);

        public Options(LabelColumn label, Optional<Boolean> header, OptionalInt classes) {
            this(label, header, classes, Labels.AUTO);
        }
    }

    /** One parsed file: features row-major, the raw label text and the line number of every row. */
    private record Table(String file, int features, float[] values, List<String> labels, int[] lines) {}

    private CsvLoader() {}

    /** The training file and, when given, the test file, with one label numbering for both. */
    public static DatasetSplits load(Path trainFile, Optional<Path> testFile, Options options) throws DataException {
        Table train = read(trainFile, options);
        Optional<Table> test = testFile.isPresent() ? Optional.of(read(testFile.get(), options)) : Optional.empty();
        if (test.isPresent() && test.get().features != train.features)
            throw new DataException(test.get().file + ": has " + test.get().features + " feature columns, " + train.file + " has "
                    + train.features);
        boolean numeric = switch (options.labels()) {
            case NAMES -> false;
            case INDICES -> true;
            case AUTO -> train.labels.stream().anyMatch(CsvLoader::isNumber);
        };
        if (numeric) checkIndices(train, options.labels());
        List<String> names = numeric ? List.of() : List.copyOf(new TreeSet<>(train.labels));
        int[] trainLabels = labels(train, numeric, names, train.file);
        Optional<int[]> testLabels = test.isPresent() ? Optional.of(labels(test.get(), numeric, names, train.file)) : Optional.empty();
        int largest = Arrays.stream(trainLabels).max().orElse(0);
        if (testLabels.isPresent()) largest = Math.max(largest, Arrays.stream(testLabels.get()).max().orElse(0));
        int classes = numeric ? largest + 1 : names.size();
        if (options.classes().isPresent()) {
            if (options.classes().getAsInt() < classes)
                throw new DataException(train.file + ": classes=" + options.classes().getAsInt() + " but the labels need " + classes
                        + (numeric ? " (the largest label is " + largest + ")" : " (" + String.join(", ", names) + ")"));
            classes = options.classes().getAsInt();
        }
        Dataset trainSet = new Dataset(train.file, new int[] {train.features}, train.values, trainLabels, classes);
        final int k = classes;
        Optional<Dataset> testSet = test.map(t -> new Dataset(t.file, new int[] {t.features}, t.values, testLabels.get(), k));
        return new DatasetSplits(trainSet, testSet);
    }

    /** Holds out a seeded random {@code fraction} (0 < fraction < 1) of the training split as the test split. */
    public static DatasetSplits holdOut(Dataset all, double fraction, long seed) throws DataException {
        int testCount = (int) Math.round(all.size() * fraction);
        if (testCount < 1 || testCount >= all.size())
            throw new DataException(all.name() + ": test_fraction " + fraction + " of " + all.size() + " rows leaves no "
                    + (testCount < 1 ? "test" : "training") + " rows");
        int[] order = Permutations.shuffled(all.size(), new SplittableRandom(seed));
        return new DatasetSplits(subset(all, all.name() + "-train", order, testCount, all.size()),
                Optional.of(subset(all, all.name() + "-test", order, 0, testCount)));
    }

    private static Dataset subset(Dataset all, String name, int[] order, int from, int to) {
        int size = all.exampleSize();
        float[] features = new float[(to - from) * size];
        int[] labels = new int[to - from];
        for (int k = from; k < to; k++) {
            System.arraycopy(all.features(), order[k] * size, features, (k - from) * size, size);
            labels[k - from] = all.labels()[order[k]];
        }
        return new Dataset(name, all.exampleShape(), features, labels, all.classes());
    }

    private static Table read(Path file, Options options) throws DataException {
        String name = file.getFileName().toString();
        if (Files.isDirectory(file)) throw new DataException(name + ": is a directory, not a CSV file");
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in, name, options);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new DataException(name + ": not a text file (invalid UTF-8)");
        } catch (IOException e) {
            throw new DataException(name + ": cannot read: " + IoErrors.describe(e, file), e);
        }
    }

    private static Table parse(BufferedReader in, String file, Options options) throws IOException, DataException {
        List<String> header = null;
        int columns = -1, labelColumn = -1, firstLine = 0, lineNumber = 0, rows = 0;
        float[] values = new float[1024];
        List<String> labels = new ArrayList<>();
        int[] lines = new int[64];
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            String[] cells = cells(trimmed);
            if (columns < 0) {
                columns = cells.length;
                firstLine = lineNumber;
                if (columns < 2) throw new DataException(file + ":" + lineNumber + ": has " + columns
                        + " column, expected at least 2 (features and a label), separated by commas");
                labelColumn = labelColumn(options.label(), cells, file, lineNumber);
                if (hasHeader(options, cells, labelColumn, file, lineNumber)) {
                    header = List.of(cells);
                    continue;
                }
            }
            if (cells.length != columns)
                throw new DataException(file + ":" + lineNumber + ": has " + cells.length + " column" + (cells.length == 1 ? "" : "s")
                        + ", expected " + columns + " (as in line " + firstLine + ")");
            int features = columns - 1;
            if ((rows + 1L) * features > Integer.MAX_VALUE - 16) throw new DataException(file + ": too many rows to hold in memory");
            if ((rows + 1) * features > values.length) values = Arrays.copyOf(values, Math.max(values.length * 2, (rows + 1) * features));
            if (rows == lines.length) lines = Arrays.copyOf(lines, lines.length * 2);
            int f = rows * features;
            for (int c = 0; c < columns; c++) {
                if (c == labelColumn) continue;
                float v = number(cells[c]);
                if (!Float.isFinite(v))
                    throw new DataException(file + ":" + lineNumber + ": column " + (c + 1) + describe(header, c) + ": '" + cells[c]
                            + "' is not a " + (Float.isNaN(v) ? "" : "finite ") + "number");
                values[f++] = v;
            }
            labels.add(cells[labelColumn]);
            lines[rows++] = lineNumber;
        }
        if (rows == 0) throw new DataException(file + ": no data rows" + (header != null ? " after the header line" : ""));
        return new Table(file, columns - 1, Arrays.copyOf(values, rows * (columns - 1)), labels, Arrays.copyOf(lines, rows));
    }

    private static int labelColumn(LabelColumn label, String[] cells, String file, int line) throws DataException {
        return switch (label) {
            case LabelColumn.Last l -> cells.length - 1;
            case LabelColumn.Index i -> {
                if (i.index() < 0 || i.index() >= cells.length)
                    throw new DataException(file + ":" + line + ": label column " + i.index() + " does not exist (columns are numbered 0.."
                            + (cells.length - 1) + ")");
                yield i.index();
            }
            case LabelColumn.Named n -> {
                int index = List.of(cells).indexOf(n.name());
                if (index < 0)
                    throw new DataException(file + ":" + line + ": no column named '" + n.name() + "' in the header (columns: "
                            + String.join(", ", cells) + ")");
                yield index;
            }
        };
    }

    private static boolean hasHeader(Options options, String[] cells, int labelColumn, String file, int line) throws DataException {
        if (options.label() instanceof LabelColumn.Named n) {
            if (options.header().isPresent() && !options.header().get())
                throw new DataException(file + ": label='" + n.name() + "' names a column, which needs a header line (header=false)");
            return true;
        }
        if (options.header().isPresent()) return options.header().get();
        for (int c = 0; c < cells.length; c++) if (c != labelColumn && Float.isNaN(number(cells[c]))) return true;
        return false;
    }

    /** The class index a label text denotes, or -1 when it is not a non-negative whole number. */
    private static int classIndex(String label) {
        float v = number(label);
        return v >= 0 && v == Math.rint(v) && v < Integer.MAX_VALUE ? (int) v : -1;
    }

    /** Every training label is a class index, or the error names the first line whose label is not. */
    private static void checkIndices(Table t, Labels mode) throws DataException {
        int numberRow = -1;
        for (int r = 0; r < t.labels.size() && numberRow < 0; r++) if (isNumber(t.labels.get(r))) numberRow = r;
        for (int r = 0; r < t.labels.size(); r++) {
            String label = t.labels.get(r);
            if (classIndex(label) >= 0) continue;
            String where = t.file + ":" + t.lines[r] + ": label '" + label + "'";
            if (mode == Labels.INDICES)
                throw new DataException(where + " is not a class index (0, 1, ...), as labels=indices requires");
            if (!isNumber(label))
                throw new DataException(where + " is a name, but line " + t.lines[numberRow] + " has the number '" + t.labels.get(numberRow)
                        + "' as its label: labels must be all class indices (0, 1, ...) or, with labels=names in the dataset, all names");
            throw new DataException(where + " is not a class index (0, 1, ...): labels that are numbers must be whole numbers from 0"
                    + " (to read every label as a class name instead, add labels=names to the dataset)");
        }
    }

    private static boolean isNumber(String label) {
        return !Float.isNaN(number(label));
    }

    private static int[] labels(Table t, boolean numeric, List<String> names, String trainFile) throws DataException {
        int[] out = new int[t.labels.size()];
        for (int r = 0; r < out.length; r++) {
            String label = t.labels.get(r);
            out[r] = numeric ? classIndex(label) : names.indexOf(label);
            if (out[r] < 0)
                throw new DataException(t.file + ":" + t.lines[r] + ": label '" + label + "' is "
                        + (numeric ? "not a class index (0, 1, ...) like the labels of " + trainFile
                                : "not one of the labels of " + trainFile + " (" + String.join(", ", names) + ")"));
        }
        return out;
    }

    /** The number a cell holds, or NaN when it holds none (so is "nan" itself: netc data must be finite). */
    private static float number(String cell) {
        if (cell.isEmpty() || !(Character.isDigit(cell.charAt(cell.length() - 1)) || cell.endsWith("."))) return Float.NaN;
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    private static String[] cells(String line) {
        String[] cells = line.split(",", -1);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i].strip();
            cells[i] = c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"") ? c.substring(1, c.length() - 1).strip() : c;
        }
        return cells;
    }

    private static String describe(List<String> header, int column) {
        return header == null ? "" : " ('" + header.get(column) + "')";
    }
}
