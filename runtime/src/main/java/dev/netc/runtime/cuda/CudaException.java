package dev.netc.runtime.cuda;

/** A CUDA, NVRTC or cuDNN call returned an error status. */
public final class CudaException extends RuntimeException {
    private final int status;

    public CudaException(String call, int status, String description) {
        super(call + " failed: " + description + " (status " + status + ")");
        this.status = status;
    }

    /** An error with its full message (e.g. a failed call, prefixed with the kernel it launched). */
    public CudaException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The library's status code. */
    public int status() { return status; }
}
