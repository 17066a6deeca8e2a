package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.CheckpointException;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.checkpoint.TrainingState;
import dev.netc.runtime.data.Dataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Trainer's side of checkpoints: restoring a run from one and saving one at each log point.
 * Beside parameters and optimizer state, a checkpoint carries the step, seed, batch, history and first
 * loss, so a resumed run continues exactly where the saved one stood, and what the run depends on
 * ({@link RunFacts}: model, optimizer, learning rate, dataset and data, backend), so that resuming
 * with anything else is refused unless {@link TrainOptions#allowChangedRun()} says the change is meant.
 */
final class RunCheckpoints {
    static final String HISTORY = "history";
    static final String FIRST_TRAIN_LOSS = "first_train_loss";
    /** The random streams in use, for the record: every draw is a pure function of these and the step or epoch. */
    static final String SHUFFLE_SEED = "rng_shuffle_seed", DROPOUT_SEED = "rng_dropout_seed";

    /** Where a run starts: after {@code completedSteps} steps with this history so far; {@code notes} report allowed changes. */
    record Start(int completedSteps, List<HistoryEntry> history, double firstLoss, List<String> notes) {
        static final Start FRESH = new Start(0, List.of(), Double.NaN, List.of());
    }

    /** What this run is: the facts a checkpoint records and a resumed run must match. */
    record Identity(String modelHash, String optimizer, Map<String, String> facts) {
        static Identity of(Graph graph, TrainSpec spec, Dataset train, TrainOptions options) {
            return new Identity(RunFacts.modelHash(graph), RunFacts.optimizer(spec.optimizer()), RunFacts.of(spec, train, options));
        }
    }

    private final Path file;
    private final TrainOptions options;
    private final Identity identity;
    /** The step of the last checkpoint written (or resumed from), if any. */
    private OptionalInt lastSaved = OptionalInt.empty();

    private RunCheckpoints(Path file, TrainOptions options, Identity identity) {
        this.file = file;
        this.options = options;
        this.identity = identity;
    }

    /** Checkpoints to {@code options.checkpoint()}, if set; refuses up front a model whose parameter names a checkpoint cannot hold. */
    static Optional<RunCheckpoints> of(TrainOptions options, Graph graph, Identity identity) {
        if (options.checkpoint().isPresent()) Checkpoints.checkParameterNames(graph);
        return options.checkpoint().map(f -> new RunCheckpoints(f, options, identity));
    }

    /** Restores the model from {@code options.resume()} (if any) after checking it continues this run. */
    static Start resume(GeneratedModel model, Graph graph, TrainOptions options, int totalSteps, Identity identity) {
        if (options.resume().isEmpty()) return Start.FRESH;
        Checkpoint c = options.resume().get();
        TrainingState s = c.requireState();
        List<String> notes = new ArrayList<>();
        if (s.seed() != options.seed())
            changed(c, options, notes, "seed", Long.toString(s.seed()), Long.toString(options.seed()),
                    "resume with --seed " + s.seed() + " to continue the same run");
        if (s.batch() != options.batch())
            changed(c, options, notes, "batch", Integer.toString(s.batch()), Integer.toString(options.batch()),
                    "resume with --batch " + s.batch() + " to continue the same run");
        if (!s.modelHash().equals(identity.modelHash()))
            changed(c, options, notes, "model", s.modelHash(), identity.modelHash()
                    + " (another model, or an edited one: the hash is over the graph IR `netc ir --grad` prints)", SAME_RUN);
        if (!s.optimizer().equals(identity.optimizer()))
            changed(c, options, notes, "optimizer", s.optimizer(), identity.optimizer(), SAME_RUN);
        Set<String> keys = new TreeSet<>(s.run().keySet());
        keys.addAll(identity.facts().keySet());
        for (String key : orderedLike(identity.facts().keySet(), keys)) {
            String saved = s.run().get(key), now = identity.facts().get(key);
            if (!Objects.equals(saved, now))
                changed(c, options, notes, RunFacts.describe(key), saved == null ? "(not recorded)" : saved, now == null ? "(not set)" : now,
                        SAME_RUN);
        }
        if (s.step() >= totalSteps)
            throw new TrainingSetupException(c.label() + ": is already at step " + s.step() + " of a run of " + totalSteps
                    + " steps: nothing left to train (ask for more epochs or steps)");
        Checkpoints.restore(c, model, graph, true);
        List<HistoryEntry> history;
        double firstLoss;
        try {
            history = s.extra().containsKey(HISTORY) ? HistoryCodec.decode(s.extra().get(HISTORY)) : List.of();
            firstLoss = s.extra().containsKey(FIRST_TRAIN_LOSS) ? Double.parseDouble(s.extra().get(FIRST_TRAIN_LOSS)) : Double.NaN;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(c.label() + ": metadata '" + HISTORY + "' or '" + FIRST_TRAIN_LOSS + "' is damaged: " + e.getMessage());
        }
        return new Start(s.step(), history, firstLoss, notes);
    }

    private static final String SAME_RUN = "resume with the same settings to continue the same run";

    /**
     * A fact that differs between the checkpoint and this run: refused, or with
     * {@link TrainOptions#allowChangedRun()} a note.
     */
    private static void changed(Checkpoint c, TrainOptions options, List<String> notes, String what, String saved, String now, String hint) {
        if (options.allowChangedRun()) {
            notes.add("note: the run continues with another " + what + ": " + now + " (the checkpoint's: " + saved + "), as --allow-changed-run allows");
            return;
        }
        throw new TrainingSetupException(c.label() + ": was trained with " + what + " " + saved + ", this run has " + what + " " + now + "; "
                + hint + (hint.equals(SAME_RUN) ? ", or pass --allow-changed-run to continue it with this change" : ""));
    }

    /** {@code keys} with those in {@code order} first, in that order, then the rest sorted. */
    private static List<String> orderedLike(Set<String> order, Set<String> keys) {
        List<String> out = new ArrayList<>();
        for (String k : order) if (keys.contains(k)) out.add(k);
        for (String k : keys) if (!out.contains(k)) out.add(k);
        return out;
    }

    /** Saves a checkpoint after {@code step}; refuses (as a divergence) when a parameter is no longer finite. */
    void save(GeneratedModel model, Graph graph, int step, int epoch, List<HistoryEntry> history, double firstLoss) {
        for (Node node : graph.parameters()) {
            String name = ((Op.Parameter) node.op()).name();
            float[] values = model.floatBuffer(name);
            int bad = Checkpoints.firstNonFinite(values);
            if (bad >= 0)
                throw new TrainingDivergedException("parameter '" + name + "' became " + values[bad] + " by step " + step + " (epoch " + epoch
                        + ")" + keptNote(), values[bad], step, epoch);
        }
        TrainingState state = new TrainingState(options.modelName(), step, epoch, options.seed(), options.batch(),
                identity.optimizer(), TrainingState.NETC_VERSION, identity.modelHash(), identity.facts(), Map.of())
                .withExtra(HISTORY, HistoryCodec.encode(history))
                .withExtra(FIRST_TRAIN_LOSS, Double.toString(firstLoss))
                .withExtra(SHUFFLE_SEED, Long.toString(Seeds.derive(options.seed(), "shuffle")))
                .withExtra(DROPOUT_SEED, Long.toString(Seeds.derive(options.seed(), "dropout")));
        Checkpoints.save(file, model, graph, true, Optional.of(state));
        lastSaved = OptionalInt.of(step);
    }

    /** What a divergence message adds about the checkpoint file. */
    String keptNote() {
        return lastSaved.isPresent() ? "; kept the last good checkpoint " + file + " (step " + lastSaved.getAsInt() + ")"
                : "; no checkpoint was written to " + file;
    }
}
