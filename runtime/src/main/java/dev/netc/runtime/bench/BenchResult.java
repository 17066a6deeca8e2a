package dev.netc.runtime.bench;

import dev.netc.kernels.MachinePeaks;

/**
 * What {@link ModelBench#run} measured: the same model compiled fused and unfused.
 *
 * @param model   the model's name
 * @param options how it was measured
 * @param fused   the fused build
 * @param unfused the unfused build (every op its own kernel)
 * @param machine the machine's FMA peak and memory bandwidth, measured at the start of the run
 * @param profile the fused build kernel by kernel, or null when not asked for (or the model cannot time its kernels)
 * @param unfusedProfile the unfused build kernel by kernel, likewise
 * @param inferenceProfiles the fused build's inference kernel by kernel, at the bench batch and at batch 1
 *                          (empty when not asked for)
 * @param peer    a peer runtime's inference timed alternately with the builds' ({@code --peer}), or null
 */
public record BenchResult(String model, BenchOptions options, Variant fused, Variant unfused, MachinePeaks machine,
                          KernelProfile profile, KernelProfile unfusedProfile, java.util.List<KernelProfile> inferenceProfiles,
                          InferencePeer.Timings peer) {

    public BenchResult {
        inferenceProfiles = java.util.List.copyOf(inferenceProfiles);
    }

    /**
     * One build's figures.
     *
     * @param kernels          kernels in its plan that run code (views of another buffer aside)
     * @param bytesPerStep     bytes its kernels read and write in one training step, by the plan's traffic model
     * @param flopsPerStep     floating-point operations of one training step, by the plan's model ({@code Flops})
     * @param cudaLaunches     kernel launches of one training step of the same plan on the CUDA backend
     *                         (forward, loss, backward and update), from its generated manifest
     * @param trainImagesPerS  training throughput (forward, backward and update per step)
     * @param inferImagesPerS  inference throughput ({@code predict}), median pass at the bench batch
     * @param infer1000ImagesPerS inference throughput over 1,000 images (passes at the bench batch timed together, median of three)
     * @param batch1LatencyMs  median time of one {@code predict} at batch 1
     * @param peakBytes        peak memory from the memory planner: leaves plus activation slots
     * @param firstLoss        the loss of the first training step (fused and unfused should agree)
     * @param lastLoss         the loss of the last timed step
     * @param heapBytesPerStep Java heap allocated per timed training step, all threads (median; -1 when the
     *                         JVM cannot count it): kernels should allocate nothing once compiled, so more
     *                         than a few kilobytes points at a boxed vector or a per-call buffer
     */
    public record Variant(int kernels, long bytesPerStep, long flopsPerStep, int cudaLaunches, double trainImagesPerS, double inferImagesPerS,
                          double infer1000ImagesPerS, double batch1LatencyMs, long peakBytes, double firstLoss, double lastLoss,
                          long heapBytesPerStep) {}

    /** FLOPs per training example of a variant. */
    public double flopsPerImage(Variant v) { return (double) v.flopsPerStep() / options.batch(); }

    /** Achieved training GFLOP/s of a variant: its FLOPs per example times examples per second. */
    public double trainGflops(Variant v) { return flopsPerImage(v) * v.trainImagesPerS() / 1e9; }

    /** Fused over unfused training throughput. */
    public double trainRatio() { return fused.trainImagesPerS() / unfused.trainImagesPerS(); }

    /** Fused over unfused inference throughput. */
    public double inferRatio() { return fused.inferImagesPerS() / unfused.inferImagesPerS(); }

    /** Fused over unfused peak memory. */
    public double peakRatio() { return (double) fused.peakBytes() / unfused.peakBytes(); }
}
