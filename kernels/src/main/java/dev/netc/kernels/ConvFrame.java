package dev.netc.kernels;

/**
 * The arguments of a forward convolution run image by image, each image split into {@code parts} parts of
 * {@code perPart} (rows or blocks of positions): the common part of {@link ConvImplicitGemm}'s and
 * {@link ConvRowKernel}'s per-thread frames (see {@link CallFrames}). Task t is part t % parts of image t / parts.
 */
abstract class ConvFrame implements java.util.function.IntConsumer, CallFrames.Frame {
    ConvGeometry g;
    /** g's zero-bordered image, looked up once per call rather than per task. */
    PaddedImage pad;
    float[] x, weights, bias, y;
    Activation act;
    int xOff, yOff, parts, perPart;

    /**
     * Parts per image for n images of {@code units} rows or blocks: whole images when the batch fills the cores
     * (or the call is already inside a parallel region), else enough parts for every core.
     */
    static int partsPerImage(int n, int units) {
        return n >= 2 * Parallel.threads() || Parallel.inside() ? 1 : Math.min(units, Gemm.ceilDiv(2 * Parallel.threads(), n));
    }

    /** Sets the pass's arguments: weights as the kernel packed them, x and y from their offsets on. */
    final void convolution(ConvGeometry g, float[] x, int xOff, float[] weights, float[] bias, Activation act, float[] y, int yOff,
                           int parts, int perPart) {
        this.g = g;
        this.pad = PaddedImage.of(g);
        this.x = x;
        this.xOff = xOff;
        this.weights = weights;
        this.bias = bias;
        this.act = act;
        this.y = y;
        this.yOff = yOff;
        this.parts = parts;
        this.perPart = perPart;
    }

    @Override
    public void clear() {
        x = weights = bias = y = null;
    }
}
