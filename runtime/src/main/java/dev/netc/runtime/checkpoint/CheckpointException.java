package dev.netc.runtime.checkpoint;

/**
 * A checkpoint file cannot be written, read or used: it is missing, truncated, structurally invalid,
 * or does not fit the model. A user error: the message names the file and says exactly what is wrong,
 * e.g. {@code weights.safetensors: tensor 'dense/kernel' has shape [784, 64], the model expects [784, 128]}.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
