package dev.netc.cli;

/** A problem with the user's files, flags or data: printed without a stack trace, exit code 2. */
final class CommandError extends RuntimeException {
    CommandError(String message) { super(message, null, false, false); }
}
