package dev.netc.runtime.data;

import dev.netc.ir.train.DatasetSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns a train block's dataset (name and arguments) into loaded splits. */
public final class DatasetRegistry {
    /** The dataset names {@link #load} understands. */
    public static final List<String> KNOWN = List.of("mnist", "spirals");

    static final int SPIRALS_POINTS = 1000;
    static final double SPIRALS_NOISE = 0.05;
    static final double SPIRALS_TURNS = 1.5;
    static final long SPIRALS_SEED = 0;
    private static final Set<String> SPIRALS_ARGUMENTS = Set.of("points", "noise", "turns", "seed");

    private DatasetRegistry() {}

    /**
     * Loads the named dataset. "mnist" reads idx files from {@code dataDir} (the CLI's --data DIR);
     * "spirals" is generated from its arguments points, noise, turns and seed (all optional).
     */
    public static DatasetSplits load(DatasetSpec spec, Optional<Path> dataDir) throws DataException {
        return switch (spec.name()) {
            case "mnist" -> {
                if (!spec.arguments().isEmpty())
                    throw new DataException("dataset mnist takes no arguments, got " + spec.arguments().keySet());
                Path dir = dataDir.orElseThrow(() -> new DataException(
                        "dataset mnist needs its files: pass --data DIR, a directory holding train-images-idx3-ubyte[.gz] and the other idx files"));
                yield MnistLoader.load(dir);
            }
            case "spirals" -> spirals(spec);
            default -> throw new DataException("unknown dataset '" + spec.name() + "' (known: " + String.join(", ", KNOWN) + ")");
        };
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
