package dev.netc.runtime.bench;

/**
 * What {@link ModelBench#run} measured: the same model compiled fused and unfused.
 *
 * @param model   the model's name
 * @param options how it was measured
 * @param fused   the fused build
 * @param unfused the unfused build (every op its own kernel)
 */
public record BenchResult(String model, BenchOptions options, Variant fused, Variant unfused) {

    /**
     * One build's figures.
     *
     * @param kernels          kernels in its plan that run code (views of another buffer aside)
     * @param bytesPerStep     bytes its kernels read and write in one training step, by the plan's traffic model
     * @param cudaLaunches     kernel launches of one training step of the same plan on the CUDA backend
     *                         (forward, loss, backward and update), from its generated manifest
     * @param trainImagesPerS  training throughput (forward, backward and update per step)
     * @param inferImagesPerS  inference throughput ({@code predict})
     * @param peakBytes        peak memory from the memory planner: leaves plus activation slots
     * @param firstLoss        the loss of the first training step (fused and unfused should agree)
     * @param lastLoss         the loss of the last timed step
     */
    public record Variant(int kernels, long bytesPerStep, int cudaLaunches, double trainImagesPerS, double inferImagesPerS, long peakBytes, double firstLoss,
                          double lastLoss) {}

    /** Fused over unfused training throughput. */
    public double trainRatio() { return fused.trainImagesPerS() / unfused.trainImagesPerS(); }

    /** Fused over unfused inference throughput. */
    public double inferRatio() { return fused.inferImagesPerS() / unfused.inferImagesPerS(); }

    /** Fused over unfused peak memory. */
    public double peakRatio() { return (double) fused.peakBytes() / unfused.peakBytes(); }
}
