package dev.netc.runtime.cuda;

/** A CUDA library (driver, NVRTC, cuDNN) or a GPU is missing; the message names what and where it was looked for. */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message) { super(message, null, false, false); }
}
