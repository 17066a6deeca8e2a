package dev.netc.runtime.data;

/**
 * A dataset could not be loaded: a file or directory is missing, a file is corrupt, or a dataset name
 * or argument is wrong. The message names the file (or dataset) and says exactly what is wrong, so the
 * CLI can print it as is.
 */
public final class DataException extends Exception {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
