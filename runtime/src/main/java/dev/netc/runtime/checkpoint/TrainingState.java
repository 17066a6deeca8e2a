package dev.netc.runtime.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The netc facts a checkpoint carries in its safetensors {@code __metadata__}, beside the tensors.
 *
 * @param modelName   the model's name in its .net file
 * @param step        optimizer steps completed (counted from 1; the next step is {@code step + 1})
 * @param epoch       epochs started (counted from 1) at that step
 * @param seed        the run's shuffle and dropout seed
 * @param batch       examples per step (resuming with another batch would visit other examples)
 * @param optimizer   the optimizer and its settings (the learning rate is a {@code run} fact of its own)
 * @param netcVersion the netc that wrote it
 * @param modelHash   {@link Checkpoints#modelHash} of the model's graph
 * @param run         the other facts the run's results depend on (learning rate, dataset, data, backend, ...),
 *                    stored as metadata {@code run/KEY}; a resumed run must match them
 * @param extra       further entries (the Trainer keeps its history here)
 */
public record TrainingState(String modelName, int step, int epoch, long seed, int batch, String optimizer, String netcVersion,
                            String modelHash, Map<String, String> run, Map<String, String> extra) {
    /** The metadata key of the format. */
    public static final String FORMAT_KEY = "format";
    /** The {@code format} metadata value of the checkpoints this version writes. */
    public static final String FORMAT = "netc-checkpoint/2";
    /** The first format: optimizer state without its namespace, a checksum over the data only. No longer read. */
    public static final String FORMAT_1 = "netc-checkpoint/1";
    /** Every netc format starts with this. */
    public static final String FORMAT_FAMILY = "netc-checkpoint/";
    public static final String NETC_VERSION = "0.1.0";
    /** Metadata keys of {@link #run} facts start with this. */
    public static final String RUN_PREFIX = "run/";

    public TrainingState {
        run = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(run));
        extra = Map.copyOf(extra);
    }

    /** A state without run facts. */
    public TrainingState(String modelName, int step, int epoch, long seed, int batch, String optimizer, String netcVersion,
                         String modelHash, Map<String, String> extra) {
        this(modelName, step, epoch, seed, batch, optimizer, netcVersion, modelHash, Map.of(), extra);
    }

    /** The metadata strings (keys: format, model, step, epoch, seed, batch, optimizer, netc_version, model_hash, run/..., extras). */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>(extra);
        run.forEach((k, v) -> m.put(RUN_PREFIX + k, v));
        m.put(FORMAT_KEY, FORMAT);
        m.put("model", modelName);
        m.put("step", Integer.toString(step));
        m.put("epoch", Integer.toString(epoch));
        m.put("seed", Long.toString(seed));
        m.put("batch", Integer.toString(batch));
        m.put("optimizer", optimizer);
        m.put("netc_version", netcVersion);
        m.put("model_hash", modelHash);
        return m;
    }

    /** Same state with one more extra entry. */
    public TrainingState withExtra(String key, String value) {
        Map<String, String> e = new LinkedHashMap<>(extra);
        e.put(key, value);
        return new TrainingState(modelName, step, epoch, seed, batch, optimizer, netcVersion, modelHash, run, e);
    }

    /**
     * The training state in a file's metadata; empty when the file has no netc training state at all
     * (e.g. weights exported from PyTorch), an error when it has some but not all of it.
     */
    public static Optional<TrainingState> fromMetadata(Map<String, String> metadata, String label) {
        if (!FORMAT.equals(metadata.get(FORMAT_KEY))) {
            if (metadata.containsKey(FORMAT_KEY) && metadata.get(FORMAT_KEY).startsWith(FORMAT_FAMILY))
                throw new CheckpointException(label + ": checkpoint format '" + metadata.get(FORMAT_KEY) + "' is not supported (this netc reads "
                        + FORMAT + ")");
            return Optional.empty();
        }
        Map<String, String> extra = new LinkedHashMap<>(metadata);
        for (String k : new String[] {FORMAT_KEY, "model", "step", "epoch", "seed", "batch", "optimizer", "netc_version", "model_hash",
                Checkpoints.CHECKSUM})
            extra.remove(k);
        Map<String, String> run = new java.util.TreeMap<>();
        for (var e : metadata.entrySet())
            if (e.getKey().startsWith(RUN_PREFIX)) {
                run.put(e.getKey().substring(RUN_PREFIX.length()), e.getValue());
                extra.remove(e.getKey());
            }
        return Optional.of(new TrainingState(required(metadata, "model", label), (int) number(metadata, "step", label, 0, Integer.MAX_VALUE),
                (int) number(metadata, "epoch", label, 0, Integer.MAX_VALUE), number(metadata, "seed", label, Long.MIN_VALUE, Long.MAX_VALUE),
                (int) number(metadata, "batch", label, 1, Integer.MAX_VALUE), required(metadata, "optimizer", label),
                required(metadata, "netc_version", label), required(metadata, "model_hash", label), run, extra));
    }

    private static String required(Map<String, String> metadata, String key, String label) {
        String v = metadata.get(key);
        if (v == null) throw new CheckpointException(label + ": metadata '" + key + "' is missing");
        return v;
    }

    private static long number(Map<String, String> metadata, String key, String label, long min, long max) {
        String v = required(metadata, key, label);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new CheckpointException(label + ": metadata '" + key + "' must be a whole number from " + min + " to " + max + ", got '" + v + "'");
        }
    }
}
