package dev.netc.runtime.data;

import dev.netc.ir.train.DatasetSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Turns a train block's dataset (name and arguments) into loaded splits:
 * <ul>
 *   <li>{@code mnist}, {@code cifar10}: idx files / binary batches in {@code --data DIR} (or {@code path="DIR"});</li>
 *   <li>{@code csv(path="train.csv", test="test.csv", label=species, header=true, classes=3)}: see
 *       {@link CsvLoader}; {@code test_fraction=0.2} (with {@code seed}) holds out rows instead of a test file;
 *       {@code label} is a column name or a 0-based index (default: the last column); {@code labels=names}
 *       reads the labels as class names even when some look like numbers, {@code labels=indices} insists
 *       on class indices (default {@code auto}: indices when any label is a number, else names);</li>
 *   <li>{@code spirals(points, noise, turns, seed)}: generated.</li>
 * </ul>
 * Every file dataset takes {@code normalize=none|standard|minmax} ({@link Normalization}). One-hot labels
 * need no option: they follow from the train block's labels input ({@code f32[B, K]} rather than {@code i32[B]}).
 * Relative file paths are resolved against {@code --data DIR} when given, else the .net file's directory.
 */
public final class DatasetRegistry {
    /** The dataset names {@link #load} understands. */
    public static final List<String> KNOWN = List.of("mnist", "cifar10", "csv", "spirals", "adding_problem");

    static final int SPIRALS_POINTS = 1000;
    static final double SPIRALS_NOISE = 0.05;
    static final double SPIRALS_TURNS = 1.5;
    static final long SPIRALS_SEED = 0;
    private static final Set<String> SPIRALS_ARGUMENTS = Set.of("points", "noise", "turns", "seed");
    private static final List<String> IMAGE_ARGUMENTS = List.of("path", "normalize");
    private static final List<String> MNIST_ARGUMENTS = List.of("path", "normalize", "sequence", "subset");
    private static final List<String> ADDING_ARGUMENTS = List.of("length", "size", "test_size", "seed");
    private static final List<String> CSV_ARGUMENTS = List.of("path", "test", "test_fraction", "seed", "label", "labels", "header", "classes",
            "normalize");

    private DatasetRegistry() {}

    /** {@link #load(DatasetSpec, Optional, Path)} with relative paths resolved against the working directory. */
    public static DatasetSplits load(DatasetSpec spec, Optional<Path> dataDir) throws DataException {
        return load(spec, dataDir, Path.of(""));
    }

    /**
     * Loads the named dataset.
     *
     * @param dataDir the CLI's {@code --data DIR}
     * @param baseDir the directory relative paths in the train block are resolved against when there is no dataDir
     */
    public static DatasetSplits load(DatasetSpec spec, Optional<Path> dataDir, Path baseDir) throws DataException {
        return switch (spec.name()) {
            case "mnist" -> {
                checkArguments(spec, MNIST_ARGUMENTS);
                DatasetSplits images = normalization(spec).apply(MnistLoader.load(imageDirectory(spec, dataDir, baseDir,
                        "train-images-idx3-ubyte[.gz] and the other idx files")));
                if (spec.arguments().containsKey("subset"))
                    images = new DatasetSplits(SequenceData.first(images.train(), wholeNumber(spec, "subset", number(spec, "subset"), 1)),
                            images.test());
                yield string(spec, "sequence").isEmpty() ? images : asSequences(images, string(spec, "sequence").get());
            }
            case "adding_problem" -> addingProblem(spec);
            case "cifar10" -> {
                checkArguments(spec, IMAGE_ARGUMENTS);
                yield normalization(spec).apply(CifarLoader.load(imageDirectory(spec, dataDir, baseDir,
                        "data_batch_1.bin .. data_batch_5.bin and test_batch.bin")));
            }
            case "csv" -> normalization(spec).apply(csv(spec, dataDir.orElse(baseDir)));
            case "spirals" -> spirals(spec);
            default -> throw new DataException("unknown dataset '" + spec.name() + "' (known: " + String.join(", ", KNOWN) + ")");
        };
    }

    /**
     * The dataset as a train block would write it, arguments sorted by name: {@code csv(label="species", path="iris.csv")}.
     * Equal specs give equal text in every run (the argument map itself has no stable order).
     */
    public static String describe(DatasetSpec spec) {
        if (spec.arguments().isEmpty()) return spec.name();
        StringBuilder sb = new StringBuilder(spec.name()).append('(');
        new java.util.TreeMap<>(spec.arguments()).forEach((k, v) -> {
            if (sb.charAt(sb.length() - 1) != '(') sb.append(", ");
            sb.append(k).append('=');
            if (v instanceof Number n) sb.append(new java.math.BigDecimal(Double.toString(n.doubleValue())).stripTrailingZeros().toPlainString());
            else sb.append('"').append(v).append('"');
        });
        return sb.append(')').toString();
    }

    /**
     * The files {@link #load} would read for {@code spec} that exist now (none for generated datasets):
     * callers make sure no output overwrites one of them.
     */
    public static List<Path> inputFiles(DatasetSpec spec, Optional<Path> dataDir, Path baseDir) {
        List<Path> candidates = new java.util.ArrayList<>();
        switch (spec.name()) {
            case "mnist" -> imageDirectoryIfAny(spec, dataDir, baseDir).ifPresent(dir -> {
                for (String split : List.of("train", "t10k"))
                    for (String kind : List.of("-images-idx3-ubyte", "-labels-idx1-ubyte")) {
                        candidates.add(dir.resolve(split + kind));
                        candidates.add(dir.resolve(split + kind + ".gz"));
                    }
            });
            case "cifar10" -> imageDirectoryIfAny(spec, dataDir, baseDir).ifPresent(dir -> {
                for (Path root : List.of(dir, dir.resolve(CifarLoader.SUBDIRECTORY))) {
                    for (String name : CifarLoader.TRAIN_FILES) candidates.add(root.resolve(name));
                    candidates.add(root.resolve(CifarLoader.TEST_FILE));
                }
            });
            case "csv" -> {
                Path dir = dataDir.orElse(baseDir);
                for (String key : List.of("path", "test"))
                    if (spec.arguments().get(key) instanceof String p) candidates.add(dir.resolve(p));
            }
            default -> { }
        }
        return candidates.stream().filter(java.nio.file.Files::isRegularFile).toList();
    }

    private static Optional<Path> imageDirectoryIfAny(DatasetSpec spec, Optional<Path> dataDir, Path baseDir) {
        if (dataDir.isPresent()) return dataDir;
        return spec.arguments().get("path") instanceof String p ? Optional.of(baseDir.resolve(p)) : Optional.empty();
    }

    private static Path imageDirectory(DatasetSpec spec, Optional<Path> dataDir, Path baseDir, String holding) throws DataException {
        if (dataDir.isPresent()) return dataDir.get();
        if (spec.arguments().get("path") instanceof String p) return baseDir.resolve(p);
        throw new DataException("dataset " + spec.name() + " needs its files: pass --data DIR, a directory holding " + holding);
    }

    private static DatasetSplits csv(DatasetSpec spec, Path dir) throws DataException {
        checkArguments(spec, CSV_ARGUMENTS);
        Path train = dir.resolve(string(spec, "path").orElseThrow(() -> new DataException(
                "dataset csv needs path=\"FILE.csv\" (the training rows)")));
        Optional<Path> test = string(spec, "test").map(dir::resolve);
        CsvLoader.LabelColumn label = switch (spec.arguments().get("label")) {
            case null -> new CsvLoader.LabelColumn.Last();
            case String name -> new CsvLoader.LabelColumn.Named(name);
            case Number n -> new CsvLoader.LabelColumn.Index(wholeNumber(spec, "label", n.doubleValue(), 0));
            default -> throw new DataException("dataset csv: label must be a column name or index");
        };
        Optional<Boolean> header = switch (spec.arguments().get("header")) {
            case null -> Optional.empty();
            case String s when s.equalsIgnoreCase("true") -> Optional.of(true);
            case String s when s.equalsIgnoreCase("false") -> Optional.of(false);
            default -> throw new DataException("dataset csv: header must be true or false, got '" + spec.arguments().get("header") + "'");
        };
        OptionalInt classes = spec.arguments().containsKey("classes")
                ? OptionalInt.of(wholeNumber(spec, "classes", number(spec, "classes"), 1)) : OptionalInt.empty();
        CsvLoader.Labels labels = switch (spec.arguments().get("labels")) {
            case null -> CsvLoader.Labels.AUTO;
            case String s when s.equalsIgnoreCase("names") -> CsvLoader.Labels.NAMES;
            case String s when s.equalsIgnoreCase("indices") -> CsvLoader.Labels.INDICES;
            case String s when s.equalsIgnoreCase("auto") -> CsvLoader.Labels.AUTO;
            default -> throw new DataException("dataset csv: labels must be names, indices or auto, got '" + spec.arguments().get("labels") + "'");
        };
        DatasetSplits splits = CsvLoader.load(train, test, new CsvLoader.Options(label, header, classes, labels));
        if (!spec.arguments().containsKey("test_fraction")) return splits;
        if (test.isPresent()) throw new DataException("dataset csv: give either test=\"FILE.csv\" or test_fraction, not both");
        double fraction = number(spec, "test_fraction");
        if (!(fraction > 0 && fraction < 1)) throw new DataException("dataset csv: test_fraction must be between 0 and 1, got " + fraction);
        long seed = spec.arguments().containsKey("seed") ? wholeNumber(spec, "seed", number(spec, "seed"), 0) : 0;
        return CsvLoader.holdOut(splits.train(), fraction, seed);
    }

    /** mnist(sequence=rows|columns): each image a sequence [28, 28] of rows or of columns. */
    private static DatasetSplits asSequences(DatasetSplits images, String order) throws DataException {
        Optional<Dataset> test = Optional.empty();
        if (images.test().isPresent()) test = Optional.of(SequenceData.imagesAsSequences(images.test().get(), order));
        return new DatasetSplits(SequenceData.imagesAsSequences(images.train(), order), test);
    }

    /** adding_problem(length=50, size=10000, test_size=1000, seed=0). */
    private static DatasetSplits addingProblem(DatasetSpec spec) throws DataException {
        checkArguments(spec, ADDING_ARGUMENTS);
        int length = spec.arguments().containsKey("length") ? wholeNumber(spec, "length", number(spec, "length"), 2) : 50;
        int train = spec.arguments().containsKey("size") ? wholeNumber(spec, "size", number(spec, "size"), 1) : 10_000;
        int test = spec.arguments().containsKey("test_size") ? wholeNumber(spec, "test_size", number(spec, "test_size"), 1) : 1_000;
        long seed = spec.arguments().containsKey("seed") ? wholeNumber(spec, "seed", number(spec, "seed"), 0) : 0;
        if ((long) length * 2 * Math.max(train, test) > Integer.MAX_VALUE)
            throw new DataException("dataset adding_problem: length x examples is too large");
        return SequenceData.addingProblem(length, train, test, seed);
    }

    private static Normalization normalization(DatasetSpec spec) throws DataException {
        Object value = spec.arguments().get("normalize");
        return value == null ? Normalization.NONE : Normalization.parse(value, "dataset " + spec.name());
    }

    private static void checkArguments(DatasetSpec spec, List<String> known) throws DataException {
        for (String key : spec.arguments().keySet())
            if (!known.contains(key))
                throw new DataException("dataset " + spec.name() + ": unknown argument '" + key + "' (known: " + String.join(", ", known) + ")");
    }

    private static Optional<String> string(DatasetSpec spec, String key) throws DataException {
        Object v = spec.arguments().get(key);
        if (v == null) return Optional.empty();
        if (v instanceof String s) return Optional.of(s);
        throw new DataException("dataset " + spec.name() + ": " + key + " must be a quoted path, got " + v);
    }

    private static double number(DatasetSpec spec, String key) throws DataException {
        if (spec.arguments().get(key) instanceof Number n) return n.doubleValue();
        throw new DataException("dataset " + spec.name() + ": argument " + key + " must be a number, got '" + spec.arguments().get(key) + "'");
    }

    private static int wholeNumber(DatasetSpec spec, String key, double value, int min) throws DataException {
        if (value != Math.rint(value) || value < min || value > Integer.MAX_VALUE)
            throw new DataException("dataset " + spec.name() + ": " + key + " must be a whole number >= " + min + ", got "
                    + String.format(Locale.ROOT, "%s", value));
        return (int) value;
    }

    private static DatasetSplits spirals(DatasetSpec spec) throws DataException {
        for (var e : spec.arguments().entrySet()) {
            if (!SPIRALS_ARGUMENTS.contains(e.getKey()))
                throw new DataException("dataset spirals: unknown argument '" + e.getKey() + "' (known: points, noise, turns, seed)");
            if (!(e.getValue() instanceof Number))
                throw new DataException("dataset spirals: argument " + e.getKey() + " must be a number, got '" + e.getValue() + "'");
        }
        double points = spec.number("points", SPIRALS_POINTS);
        double seed = spec.number("seed", SPIRALS_SEED);
        if (points != Math.rint(points) || points < 10 || points > 10_000_000)
            throw new DataException("dataset spirals: points must be a whole number from 10 to 10000000, got " + points);
        if (seed != Math.rint(seed)) throw new DataException("dataset spirals: seed must be a whole number, got " + seed);
        double noise = spec.number("noise", SPIRALS_NOISE);
        double turns = spec.number("turns", SPIRALS_TURNS);
        if (!(noise >= 0) || !Double.isFinite(noise)) throw new DataException("dataset spirals: noise must be >= 0, got " + noise);
        if (!(turns > 0) || !Double.isFinite(turns)) throw new DataException("dataset spirals: turns must be > 0, got " + turns);
        return Spirals.generate((int) points, noise, turns, (long) seed);
    }
}
