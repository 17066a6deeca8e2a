package dev.netc.runtime.distributed;

/**
 * Distributed training cannot start or go on here: the process was not started by {@code mpirun}, no
 * MPI (or NCCL) library loads, or a collective operation failed. A user-facing problem with the
 * message saying what is missing; the command line reports it and exits 2.
 */
public final class DistributedUnavailableException extends RuntimeException {
    public DistributedUnavailableException(String message) { super(message); }
}
