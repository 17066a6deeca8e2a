package dev.netc.runtime.distributed;

import java.util.Locale;

/**
 * What data-parallel communication cost in a run, for the train output and the metrics file.
 *
 * @param ranks            processes in the job
 * @param globalBatch      examples per optimizer step over all ranks
 * @param rankBatch        examples per step on each rank
 * @param bucketBytes      the fusion buffer's capacity
 * @param allreducesPerStep collectives per step (buckets)
 * @param bytesPerStep     payload each rank allreduces per step (gradients plus the two metric floats)
 * @param steps            steps that communicated
 * @param allreduces       collectives in all
 * @param bytes            payload in all
 * @param allreduceSeconds time in packing, allreducing and unpacking the buckets
 * @param trainSeconds     time of the training steps, communication included
 * @param overlap          how far communication overlapped the backward pass, in words
 * @param library          the MPI library, as it names itself
 */
public record CommunicationReport(int ranks, int globalBatch, int rankBatch, long bucketBytes, int allreducesPerStep,
                                  long bytesPerStep, long steps, long allreduces, long bytes, double allreduceSeconds,
                                  double trainSeconds, String overlap, String library) {

    /** Bytes a ring allreduce moves in and out of each rank per step: 2 (N - 1) / N of the payload. */
    public double ringBytesPerStep() { return 2.0 * (ranks - 1) / ranks * bytesPerStep; }

    /** Training time outside communication, per step. */
    public double computeSecondsPerStep() { return steps == 0 ? 0 : (trainSeconds - allreduceSeconds) / steps; }

    public double allreduceSecondsPerStep() { return steps == 0 ? 0 : allreduceSeconds / steps; }

    /**
     * E.g. {@code distributed: 2 ranks x batch 100 = 200 per step; 3 allreduces/step of 4 MiB buckets, 35,336 bytes/step;
     * allreduce 0.41 s of 3.20 s training (12.8%); overlap with backward: none (...)}.
     */
    public String line() {
        return String.format(Locale.US, "distributed: %d ranks x batch %d = %d per step; %d allreduce%s/step (buckets of %s), "
                        + "%,d bytes/step; allreduce %.2f s of %.2f s training (%.1f%%); overlap with backward: %s",
                ranks, rankBatch, globalBatch, allreducesPerStep, allreducesPerStep == 1 ? "" : "s", size(bucketBytes), bytesPerStep,
                allreduceSeconds, trainSeconds, trainSeconds > 0 ? 100 * allreduceSeconds / trainSeconds : 0, overlap);
    }

    private static String size(long b) {
        if (b % (1L << 20) == 0) return (b >> 20) + " MiB";
        if (b % (1L << 10) == 0) return (b >> 10) + " KiB";
        return String.format(Locale.US, "%,d bytes", b);
    }
}
