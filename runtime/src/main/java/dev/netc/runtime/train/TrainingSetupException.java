package dev.netc.runtime.train;

/**
 * The model, its train block, the options and the dataset do not fit together (an input's shape does
 * not match the examples, the batch is larger than the dataset, a metric is unknown, ...). A user
 * error: the message says what to change.
 */
public final class TrainingSetupException extends RuntimeException {
    public TrainingSetupException(String message) {
        super(message);
    }
}
