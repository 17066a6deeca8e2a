package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.data.DatasetSplits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving during training and resuming from a checkpoint, with the softmax-regression stand-in model. */
class RunCheckpointsTest {
    static TrainOptions steps(int n) {
        return TrainerTest.options(1).withSteps(n).withLogEvery(5);
    }

    @Test
    void resumedRunEndsBitForBitWhereTheUninterruptedOneDoes(@TempDir Path dir) {
        SoftmaxRegressionModel whole = TrainerTest.initialised(4);
        TrainResult wholeResult = Trainer.train(whole, TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(50),
                new TrainerTest.Console().out);

        Path file = dir.resolve("half.safetensors");
        SoftmaxRegressionModel first = TrainerTest.initialised(4);
        Trainer.train(first, TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(25).withCheckpoint(file, "softmax"),
                new TrainerTest.Console().out);
        Checkpoint saved = Checkpoints.load(file);
        assertEquals(25, saved.requireState().step());
        assertEquals("softmax", saved.requireState().modelName());

        SoftmaxRegressionModel second = TrainerTest.initialised(99); // its own initial values are replaced by the checkpoint's
        TrainerTest.Console console = new TrainerTest.Console();
        TrainResult resumed = Trainer.train(second, TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(50).withResume(saved),
                console.out);

        assertArrayEquals(whole.w, second.w);
        assertArrayEquals(whole.b, second.b);
        assertEquals(List.of(26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50),
                second.updateSteps, "the optimizer sees the global step numbers");
        assertEquals(wholeResult.history().stream().map(HistoryEntry::trainLoss).toList(),
                resumed.history().stream().map(HistoryEntry::trainLoss).toList(), "the history carries over");
        assertEquals(wholeResult.firstTrainLoss(), resumed.firstTrainLoss());
        assertEquals(wholeResult.test(), resumed.test());
        assertEquals("resumed from " + file + " at step 25 of 50", console.lines().getFirst());
    }

    @Test
    void resumeChecksTheRunMatches(@TempDir Path dir) {
        Path file = dir.resolve("run.safetensors");
        Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(10).withCheckpoint(file, "m"),
                new TrainerTest.Console().out);
        Checkpoint c = Checkpoints.load(file);
        TrainingSetupException seed = assertThrows(TrainingSetupException.class, () -> Trainer.train(TrainerTest.initialised(1),
                TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(20).withSeed(8).withResume(c), new TrainerTest.Console().out));
        assertEquals(file + ": was trained with seed 7, this run has seed 8; resume with --seed 7 to continue the same run", seed.getMessage());
        TrainingSetupException done = assertThrows(TrainingSetupException.class, () -> Trainer.train(TrainerTest.initialised(1),
                TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(10).withResume(c), new TrainerTest.Console().out));
        assertTrue(done.getMessage().contains("is already at step 10 of a run of 10 steps"), done.getMessage());
    }

    /** Issue 10, item 9: the learning rate, optimizer, model, data and caller's settings are part of the run. */
    @Test
    void resumeRefusesAnotherRunAndNamesWhatChanged(@TempDir Path dir) {
        Path file = dir.resolve("run.safetensors");
        TrainOptions saving = steps(10).withSetting("backend", "java").withCheckpoint(file, "m");
        Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, saving, new TrainerTest.Console().out);
        Checkpoint c = Checkpoints.load(file);
        TrainOptions resuming = steps(20).withSetting("backend", "java").withResume(c);

        assertEquals(file + ": was trained with learning rate 0.5, this run has learning rate 0.25; resume with the same settings to continue"
                + " the same run, or pass --allow-changed-run to continue it with this change",
                refused(resuming.withLearningRate(0.25), TrainerTest.SPEC, TrainerTest.DATA));
        TrainSpec momentum = new TrainSpec(new OptimizerSpec.Sgd(0.5, 0.9, false, 0), 32, OptionalInt.of(1), OptionalInt.empty(),
                Optional.empty(), "x", "y", List.of("accuracy"));
        assertTrue(refused(resuming, momentum, TrainerTest.DATA).startsWith(file + ": was trained with optimizer sgd(momentum=0, "
                + "nesterov=false, decay=0), this run has optimizer sgd(momentum=0.9, nesterov=false, decay=0)"));
        DatasetSplits otherData = new DatasetSplits(ToyData.blobs("blobs-train", 1000, 99), TrainerTest.DATA.test());
        assertTrue(refused(resuming, TrainerTest.SPEC, otherData).startsWith(file + ": was trained with training data 1000 examples of [2],"
                + " 3 classes, crc32:"));
        assertTrue(refused(resuming.withSetting("backend", "cuda"), TrainerTest.SPEC, TrainerTest.DATA)
                .startsWith(file + ": was trained with backend java, this run has backend cuda"));

        TrainerTest.Console console = new TrainerTest.Console();
        Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA,
                resuming.withLearningRate(0.25).withAllowChangedRun(true), console.out);
        assertEquals("note: the run continues with another learning rate: 0.25 (the checkpoint's: 0.5), as --allow-changed-run allows",
                console.lines().get(1));
    }

    @Test
    void resumeRefusesAnotherModelWithTheSameParameters(@TempDir Path dir) {
        Path file = dir.resolve("run.safetensors");
        Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA, steps(10).withCheckpoint(file, "m"),
                new TrainerTest.Console().out);
        Graph other = SoftmaxRegressionModel.graph(2, 3, true); // one-hot labels: same parameters w [2, 3] and b [3], another graph
        String message = assertThrows(TrainingSetupException.class, () -> RunCheckpoints.resume(TrainerTest.initialised(1), other,
                steps(20).withResume(Checkpoints.load(file)), 20,
                RunCheckpoints.Identity.of(other, TrainerTest.SPEC, TrainerTest.DATA.train(), steps(20)))).getMessage();
        assertTrue(message.startsWith(file + ": was trained with model sha256:"), message);
        assertTrue(message.contains("another model, or an edited one"), message);
    }

    private static String refused(TrainOptions options, TrainSpec spec, DatasetSplits data) {
        return assertThrows(TrainingSetupException.class, () -> Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, spec, data,
                options, new TrainerTest.Console().out)).getMessage();
    }

    @Test
    void divergenceKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.safetensors");
        SoftmaxRegressionModel model = TrainerTest.initialised(1);
        model.poisonAtTrainingForward = 13;
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.train(model, TrainerTest.GRAPH,
                TrainerTest.SPEC, TrainerTest.DATA, steps(30).withCheckpoint(file, "m"), new TrainerTest.Console().out));
        assertEquals("loss became NaN at step 13 (epoch 1); kept the last good checkpoint " + file + " (step 10)", e.getMessage());
        Checkpoint kept = Checkpoints.load(file);
        assertEquals(10, kept.requireState().step());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }

        SoftmaxRegressionModel early = TrainerTest.initialised(1);
        early.poisonAtTrainingForward = 3;
        Path none = dir.resolve("none.safetensors");
        TrainingDivergedException first = assertThrows(TrainingDivergedException.class, () -> Trainer.train(early, TrainerTest.GRAPH,
                TrainerTest.SPEC, TrainerTest.DATA, steps(30).withCheckpoint(none, "m"), new TrainerTest.Console().out));
        assertTrue(first.getMessage().endsWith("; no checkpoint was written to " + none), first.getMessage());
        assertTrue(Files.notExists(none));
    }

    @Test
    void nonFiniteParametersAreNeverSaved(@TempDir Path dir) {
        Path file = dir.resolve("run.safetensors");
        SoftmaxRegressionModel model = TrainerTest.initialised(1);
        model.poisonWeightAtUpdate = 5;
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.train(model, TrainerTest.GRAPH,
                TrainerTest.SPEC, TrainerTest.DATA, steps(30).withCheckpoint(file, "m"), new TrainerTest.Console().out));
        assertEquals("parameter 'w' became Infinity by step 5 (epoch 1); no checkpoint was written to " + file, e.getMessage());
        assertTrue(Files.notExists(file));
    }
}
