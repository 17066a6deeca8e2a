package dev.netc.frontend;

/**
 * Thrown when a computation reads a value whose definition already failed: the error was reported
 * there, so the statement is abandoned silently and its name is bound to poison too.
 */
final class Poisoned extends RuntimeException {
    static final Poisoned INSTANCE = new Poisoned();

    private Poisoned() { super("poisoned value", null, false, false); }
}
