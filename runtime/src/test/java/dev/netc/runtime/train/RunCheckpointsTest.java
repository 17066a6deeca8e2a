package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
