package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.onnx.InferenceModel;
import dev.netc.onnx.InteropException;
import dev.netc.runtime.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.Optional;

/** predict and export: a model compiled for inference with its weights from a checkpoint or its seeded initialisation. */
final class InferenceLoader {
    private InferenceLoader() {}

    static InferenceModel open(CheckedModel m, Path weights, long seed) {
        Optional<Checkpoint> checkpoint = Optional.ofNullable(weights).map(TrainCommand::loadCheckpoint);
        try {
            return TrainCommand.guard(() -> InferenceModel.open(m, checkpoint, seed));
        } catch (InteropException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }
}
