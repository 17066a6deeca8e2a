package dev.netc.runtime.bench;

/**
 * Another runtime's inference of the same model ({@code netc bench --peer}), timed by {@link ModelBench}
 * run for run with netc's own: a peer pass follows each fused and unfused pass, so drift and bursts of
 * load from elsewhere on the machine fall on both sides of the ratio alike.
 */
public interface InferencePeer {
    /** One inference of the bench batch. */
    void runBatch();

    /** One inference of a single image. */
    void runOne();

    /**
     * What was measured, as netc's own figures are.
     *
     * @param inferImagesPerS     median pass at the bench batch
     * @param infer1000ImagesPerS 1,000 images (whole batches) timed together, median of the runs
     * @param batch1LatencyMs     median run on one image
     */
    record Timings(double inferImagesPerS, double infer1000ImagesPerS, double batch1LatencyMs) {}
}
