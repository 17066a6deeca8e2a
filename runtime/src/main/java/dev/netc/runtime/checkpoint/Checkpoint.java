package dev.netc.runtime.checkpoint;

import java.util.Map;
import java.util.Optional;

/**
 * A loaded, structurally valid checkpoint.
 *
 * @param label    how error messages name it (the path as the user gave it)
 * @param tensors  every tensor by name: parameters by IR name, optimizer state by its buffer name
 * @param metadata the raw {@code __metadata__} strings
 * @param state    the netc training state, absent for plain weight files (e.g. written by PyTorch)
 */
public record Checkpoint(String label, Map<String, TensorData> tensors, Map<String, String> metadata, Optional<TrainingState> state) {
    public Checkpoint {
        tensors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
        metadata = Map.copyOf(metadata);
    }

    /** The training state, or an error saying this file cannot be resumed from. */
    public TrainingState requireState() {
        return state.orElseThrow(() -> new CheckpointException(label + ": holds weights only (no netc training state in its metadata), "
                + "so training cannot resume from it"));
    }
}
