package dev.netc.frontend;

/**
 * Errors a check found but did not report one by one (the parser reports the first syntax errors of a
 * file and counts the rest): {@code count} of them, exactly when {@code exact}, else at least that many.
 */
public record ErrorCount(int count, boolean exact) {
    public static final ErrorCount NONE = new ErrorCount(0, true);
}
