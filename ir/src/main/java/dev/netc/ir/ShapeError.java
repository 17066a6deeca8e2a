package dev.netc.ir;

/**
 * A user-facing type or shape error found by an op's shape rule. The message names the op and the
 * shapes involved ("matmul: inner dimensions differ: [B, 3136] x [3137, 1024]"); the frontend
 * attaches the source position.
 */
public final class ShapeError extends Exception {
    public ShapeError(String message) { super(message, null, false, false); }
}
