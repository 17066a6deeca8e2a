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
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Trainer's side of checkpoints: restoring a run from one and saving one at each log point.
 * Beside parameters and optimizer state, a checkpoint carries the step, seed, batch, history and first
 * loss, so a resumed run continues exactly where the saved one stood.
 */
final class RunCheckpoints {
    static final String HISTORY = "history";
    static final String FIRST_TRAIN_LOSS = "first_train_loss";
    /** The random streams in use, for the record: every draw is a pure function of these and the step or epoch. */
    static final String SHUFFLE_SEED = "rng_shuffle_seed", DROPOUT_SEED = "rng_dropout_seed";

    /** Where a run starts: after {@code completedSteps} steps with this history so far. */
    record Start(int completedSteps, List<HistoryEntry> history, double firstLoss) {
        static final Start FRESH = new Start(0, List.of(), Double.NaN);
    }

    private final Path file;
    private final TrainSpec spec;
    private final TrainOptions options;
    private final String modelHash;
    /** The step of the last checkpoint written (or resumed from), if any. */
    private OptionalInt lastSaved = OptionalInt.empty();

    private RunCheckpoints(Path file, TrainSpec spec, TrainOptions options, String modelHash) {
        this.file = file;
        this.spec = spec;
        this.options = options;
        this.modelHash = modelHash;
    }

    static Optional<RunCheckpoints> of(TrainOptions options, TrainSpec spec, Graph graph) {
        return options.checkpoint().map(f -> new RunCheckpoints(f, spec, options, Checkpoints.modelHash(graph)));
    }

    /** Restores the model from {@code options.resume()} (if any) after checking it continues this run. */
    static Start resume(GeneratedModel model, Graph graph, TrainOptions options, int totalSteps) {
        if (options.resume().isEmpty()) return Start.FRESH;
        Checkpoint c = options.resume().get();
        TrainingState s = c.requireState();
        if (s.seed() != options.seed())
            throw new TrainingSetupException(c.label() + ": was trained with seed " + s.seed() + ", this run has seed " + options.seed()
                    + "; resume with --seed " + s.seed() + " to continue the same run");
        if (s.batch() != options.batch())
            throw new TrainingSetupException(c.label() + ": was trained with batch " + s.batch() + ", this run has batch " + options.batch()
                    + "; resume with --batch " + s.batch() + " to continue the same run");
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
        return new Start(s.step(), history, firstLoss);
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
                spec.optimizer().toString(), TrainingState.NETC_VERSION, modelHash, java.util.Map.of())
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
