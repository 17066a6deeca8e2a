package dev.netc.kernels;

/**
 * A convolution fused with the max pooling after it, and its gradients fused with the pooling
 * gradient, for windows that tile the output (stride = size, no padding). Each image is one task: the
 * convolution computes it into a per-thread buffer (it stays in cache), then pools it into the pooled
 * output and the argmax (one byte per window: its position ky * size + kx), so the full-size activation
 * is never written. The gradients expand each image's pooled gradient into a per-thread buffer just
 * before they read it, so the full-size gradient is never written either.
 *
 * <p>Geometry arguments are those of {@link Conv2d}: the convolution's input and output, the output
 * [n, f, oh, ow] being what is pooled into [n, f, oh / size, ow / size].
 */
public final class ConvPooled {
    private static final Scratch IMAGE = new Scratch();
    /** The caller thread's Winograd-transformed filters of the forward and the backward-data pass. */
    private static final Scratch TRANSFORMED = new Scratch(), TRANSFORMED_BACKWARD = new Scratch();
    /** The caller thread's per-filter L1 norms of the weights (Winograd's near-tie threshold). */
    private static final Scratch NORMS = new Scratch();
    private static final CallFrames<PerImage> PER_IMAGE = new CallFrames<>(PerImage::new);
    /** The layout name of Winograd-transformed filters in a frozen-weights cache. */
    static final String WINOGRAD_FILTERS = "winograd-f2x2-5x5";

    /**
     * Whether a training forward pass (argmax wanted) may run by Winograd; system property
     * {@code netc.kernels.winogradTraining}, default true. False keeps the direct convolution there, whose
     * rounding matches other direct implementations (the CUDA backend) to about 1e-7 instead of 1e-6: a test
     * that compares two backends' gradients wants that, since a ReLU gate downstream can flip on the difference.
     */
    static final boolean WINOGRAD_TRAINING = !"false".equals(System.getProperty("netc.kernels.winogradTraining"));

    private ConvPooled() {}

    /**
     * pooled = max_pool(act(conv(x, weights) + bias)) and argmax (null: not wanted), both overwritten.
     *
     * @param bias one value per filter, or null
     */
    public static void forward(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                               int oh, int ow, float[] x, float[] weights, float[] bias, Activation act, int size,
                               float[] pooled, byte[] argmax) {
        forward(n, c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow, x, weights, bias, act, size, pooled, argmax, null);
    }

    /**
     * {@link #forward(int, int, int, int, int, int, int, int, int, int, int, int, float[], float[], float[], Activation, int, float[], byte[])}
     * with a cache for frozen weights: a 5 x 5 layer on at least 16 channels runs by Winograd's F(2 x 2, 5 x 5)
     * ({@link ConvWinograd}), from filters transformed once while the cache is on, else on every call; its pooled
     * values differ from the direct convolution's by rounding only, and its argmax is exact arithmetic's
     * ({@link WinogradArgmax}: near ties recomputed in float64).
     *
     * @param frozen the model's cache of operands that stay unchanged while it is on, or null
     */
    public static void forward(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                               int oh, int ow, float[] x, float[] weights, float[] bias, Activation act, int size,
                               float[] pooled, byte[] argmax, PackedOperands frozen) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        int pooledSize = f * (oh / size) * (ow / size);
        if ((argmax == null || WINOGRAD_TRAINING) && ConvWinograd.suitsPooled(g, size, act)) {
            // frozen weights transformed once and kept
            boolean keep = frozen != null && frozen.enabled();
            float[] u = keep ? frozen.prepared(weights, WINOGRAD_FILTERS) : null;
            if (u == null) {
                u = ConvWinograd.transformWeights(f, c, weights, false, keep ? null : TRANSFORMED.atLeast(ConvWinograd.transformedSize(f, c)));
                if (keep) frozen.keep(weights, WINOGRAD_FILTERS, u);
            }
            WinogradRun run = WinogradRun.FRAMES.acquire();
            try {
                WinogradSink sink = argmax == null ? run.pool(pooled)
                        : run.poolArgmax(pooled, argmax, weights, WinogradArgmax.filterNorms(f, c, weights, NORMS.atLeast(f)));
                run.run(n, g, run.planar.of(g, x), u, bias, act, sink);
            } finally {
                WinogradRun.FRAMES.release(run);
            }
            return;
        }
        if (ConvPooledRows.suits(g, size, act)) { // a shallow layer: pooled in registers
            ConvPooledRows.forward(n, g, x, weights, bias, act, pooled, argmax);
            return;
        }
        float[] prepared = Conv2d.preparedForImages(g, weights);
        if (size == 2 && Conv2d.runsImplicitGemm(g) && PoolWindows.poolsChannelsLast() && (n >= Parallel.threads() || Parallel.inside())) {
            // the implicit GEMM's tiles stored as they are (positions x filters) and pooled across filters
            perImage(n, PerImage.Step.FORWARD_CHANNELS_LAST, g, size, x, weights, prepared, bias, act, pooled, argmax);
            return;
        }
        if (n < Parallel.threads() && !Parallel.inside()) {
            // Fewer images than cores (batch-1 inference): one task per image would leave cores idle, so
            // each image's convolution splits itself over the cores, and the pooling follows on this thread.
            float[] out = IMAGE.atLeast(g.outputSize());
            for (int image = 0; image < n; image++) {
                Conv2d.forwardImage(g, x, image * g.imageSize(), weights, prepared, bias, act, out, 0);
                PoolWindows.pool(out, 0, f, oh, ow, size, pooled, argmax, image * pooledSize);
            }
            return;
        }
        perImage(n, PerImage.Step.FORWARD, g, size, x, weights, prepared, bias, act, pooled, argmax);
    }

    /** dx = the backward-data convolution of dy = the pooled gradient dyPooled expanded by argmax; overwritten. */
    public static void backwardData(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop, int padLeft,
                                    int oh, int ow, int size, byte[] argmax, float[] dyPooled, float[] weights, float[] dx) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (size == 2 && stride == 1 && oh % 2 == 0 && ow % 2 == 0 && ConvWinograd.suits(Conv2d.backwardDataGeometry(g))) {
            // Winograd from the pooled gradient expanded straight into the bordered channels-last images it reads
            ConvGeometry full = Conv2d.backwardDataGeometry(g);
            float[] u = ConvWinograd.transformWeights(c, f, weights, true, TRANSFORMED_BACKWARD.atLeast(ConvWinograd.transformedSize(c, f)));
            WinogradRun run = WinogradRun.FRAMES.acquire();
            try {
                run.run(n, full, run.expanded.of(full, dyPooled, argmax), u, null, Activation.NONE, run.store(dx));
            } finally {
                WinogradRun.FRAMES.release(run);
            }
            return;
        }
        float[] prepared = Conv2d.preparedForBackwardData(g, weights);
        if (Conv2d.backwardDataRunsImplicitGemm(g) && oh % size == 0 && ow % size == 0) {
            if (PaddedImage.of(Conv2d.backwardDataGeometry(g)).holdsWholeImage()) {
                // the pooled gradient expanded straight into the bordered buffer the GEMM reads
                perImage(n, PerImage.Step.BACKWARD_PADDED, g, size, dyPooled, weights, prepared, null, Activation.NONE, dx, argmax);
                return;
            }
        }
        perImage(n, PerImage.Step.BACKWARD, g, size, dyPooled, weights, prepared, null, Activation.NONE, dx, argmax);
    }

    /**
     * dw (and, when dBias is not null, dBias[f] = the sum of dy over images and positions) for dy = the
     * pooled gradient dyPooled expanded by argmax; both overwritten.
     */
    public static void backwardFilterBias(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padTop,
                                          int padLeft, int oh, int ow, float[] x, int size, byte[] argmax, float[] dyPooled,
                                          float[] dw, float[] dBias) {
        ConvGeometry g = ConvGeometry.of(c, h, w, f, kh, kw, stride, padTop, padLeft, oh, ow);
        if (ConvWinogradFilter.suits(g, size)) { // Winograd F(5 x 5, 2 x 2), each window's gradient at its argmax
            ConvWinogradFilter.backwardFilter(n, g, x, dyPooled, argmax, dw, dBias);
            return;
        }
        if (ConvShallowFilterGradient.suits(g)) { // expanded straight into the widened rows that kernel reads
            ConvShallowFilterGradient.backwardFilterPooled(n, g, x, dyPooled, argmax, size, dw, dBias);
            return;
        }
        ConvImplicitGemmFilter.backwardFilterPooled(n, g, x, dyPooled, argmax, size, dw, dBias);
    }

    /** One task per image through {@link PerImage}, its frame this thread's. */
    private static void perImage(int n, PerImage.Step step, ConvGeometry g, int size, float[] in, float[] weights, float[] prepared,
                                 float[] bias, Activation act, float[] out, byte[] argmax) {
        PerImage call = PER_IMAGE.acquire();
        try {
            call.step = step;
            call.g = g;
            call.size = size;
            call.in = in;
            call.weights = weights;
            call.prepared = prepared;
            call.bias = bias;
            call.act = act;
            call.out = out;
            call.argmax = argmax;
            call.full = step == PerImage.Step.BACKWARD_PADDED ? Conv2d.backwardDataGeometry(g) : null;
            Parallel.forRange(n, call);
        } finally {
            PER_IMAGE.release(call);
        }
    }

    /**
     * The per-image passes, image by image: the forward convolution then its pooling (the implicit GEMM's tiles
     * pooled channels last, or any convolution's planar output), and the backward-data pass of the expanded pooled
     * gradient (straight into the implicit GEMM's bordered buffer, or through a planar copy). A per-thread frame
     * (see {@link CallFrames}): in is x for the forward steps and the pooled gradient for the backward ones, out
     * the pooled output or dx.
     */
    private static final class PerImage implements java.util.function.IntConsumer, CallFrames.Frame {
        enum Step { FORWARD_CHANNELS_LAST, FORWARD, BACKWARD_PADDED, BACKWARD }

        Step step;
        ConvGeometry g;
        /** BACKWARD_PADDED: the backward-data pass's geometry, made once per call. */
        ConvGeometry full;
        int size;
        float[] in, weights, prepared, bias, out;
        Activation act;
        byte[] argmax;

        @Override
        public void accept(int image) {
            int f = g.f(), oh = g.oh(), ow = g.ow(), pooledSize = f * (oh / size) * (ow / size);
            switch (step) {
                case FORWARD_CHANNELS_LAST -> {
                    int ld = ConvImplicitGemm.paddedFilters(f);
                    float[] tiles = IMAGE.atLeast(g.outputPositions() * ld);
                    ConvImplicitGemm.forwardImageChannelsLast(g, in, image * g.imageSize(), prepared, bias, act, tiles);
                    PoolWindows.pool2x2ChannelsLast(tiles, ld, f, oh, ow, out, argmax, image * pooledSize);
                }
                case FORWARD -> {
                    float[] y = IMAGE.atLeast(g.outputSize());
                    Conv2d.forwardImage(g, in, image * g.imageSize(), weights, prepared, bias, act, y, 0);
                    PoolWindows.pool(y, 0, f, oh, ow, size, out, argmax, image * pooledSize);
                }
                case BACKWARD_PADDED -> {
                    PaddedImage pad = PaddedImage.of(full);
                    float[] padded = ConvImplicitGemm.paddedScratch(full);
                    pad.clearBorder(padded, 0);
                    PoolWindows.expand(in, argmax, image * pooledSize, f, oh / size, ow / size, size, padded, pad.interiorOffset(),
                            pad.cols(), pad.rows() * pad.cols());
                    ConvImplicitGemm.forwardPadded(full, padded, prepared, null, Activation.NONE, out, image * g.imageSize());
                }
                case BACKWARD -> {
                    float[] dy = IMAGE.atLeast(g.outputSize());
                    PoolWindows.expand(in, argmax, image * pooledSize, f, oh / size, ow / size, size, dy, 0);
                    Conv2d.backwardDataImage(g, dy, 0, weights, prepared, out, image * g.imageSize());
                }
            }
        }

        @Override
        public void clear() {
            in = weights = prepared = bias = out = null;
            argmax = null;
        }
    }
}
