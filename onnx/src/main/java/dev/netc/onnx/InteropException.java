package dev.netc.onnx;

/**
 * A user error in exchanging a model or data with the outside (an ONNX file netc cannot read or
 * write, an array that does not fit the model): the message is ready to print after "error: ".
 */
public final class InteropException extends RuntimeException {
    public InteropException(String message) {
        super(message, null, false, false);
    }
}
