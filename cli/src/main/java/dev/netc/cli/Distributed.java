package dev.netc.cli;

import dev.netc.runtime.distributed.DataParallel;
import dev.netc.runtime.distributed.DistributedUnavailableException;
import dev.netc.runtime.distributed.LaunchEnvironment;
import dev.netc.runtime.distributed.MpiCommunicator;
import dev.netc.runtime.distributed.Nccl;

/**
 * {@code netc train --distributed}: joins the job mpirun started (one process per rank) over Open MPI.
 * Only called with the flag, so a plain run never loads MPI.
 */
final class Distributed {
    private Distributed() {}

    /** The largest --bucket-mb: a bucket is one MPI call, whose count is a C int of floats. */
    static final double MAX_BUCKET_MB = 8191;

    /** Checks the launch and the libraries, then initialises MPI; every problem is a user error naming what is missing. */
    static DataParallel join(String backend, double bucketMb) {
        if (!(bucketMb > 0) || bucketMb > MAX_BUCKET_MB)
            throw new CommandError("error: --bucket-mb must be a number of MiB above 0 and at most " + (int) MAX_BUCKET_MB);
        long bucketBytes = Math.max(Float.BYTES, Math.round(bucketMb * (1 << 20)));
        try {
            LaunchEnvironment launch = LaunchEnvironment.current();
            if (backend.equals("cuda")) {
                // NCCL first: without it there is nothing to average device gradients with, whatever the GPU
                Nccl nccl;
                try {
                    nccl = Nccl.load();
                } catch (DistributedUnavailableException e) {
                    throw new CommandError("error: --backend cuda --distributed: " + e.getMessage());
                }
                return DataParallel.overNccl(MpiCommunicator.start(launch), nccl);
            }
            return DataParallel.over(MpiCommunicator.start(launch), bucketBytes);
        } catch (DistributedUnavailableException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }

    /** The GPU a rank trains on: one process per GPU, numbered by its rank on its host. */
    static int gpu() {
        try {
            return LaunchEnvironment.current().localRank();
        } catch (DistributedUnavailableException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }

    /** A user error on rank r > 0 names the rank: mpirun interleaves every rank's output. */
    static CommandError onRank(int rank, CommandError e) {
        if (rank == 0) return e;
        String m = e.getMessage();
        return new CommandError(m.startsWith("error: ") ? "error: rank " + rank + ": " + m.substring(7) : "rank " + rank + ": " + m);
    }
}
