package dev.netc.onnx.npy;

/** A .npy file that cannot be read as an f32 or i32 array: the message names the file and what is wrong. */
public final class NpyException extends RuntimeException {
    public NpyException(String message) {
        super(message, null, false, false);
    }
}
