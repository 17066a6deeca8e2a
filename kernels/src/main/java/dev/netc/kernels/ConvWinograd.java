package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 5 x 5 convolution by Winograd's minimal filtering F(2 x 2, 5 x 5): with its bias, a cheap
 * activation and 2 x 2 max pooling (with the argmax for training, see {@link WinogradArgmax}), and as the
 * backward-data pass of such a layer (outputs stored).
 *
 * <p>Why: each 2 x 2 block of outputs, which is exactly one pooling window, comes from a 6 x 6 input
 * tile d as Y = A^T [(G g G^T) . (B^T d B)] A, where the product is elementwise: 36 multiplies per
 * tile, channel and filter instead of 100, so the conv2 layer of the MNIST CNN runs 2.8x fewer
 * multiply-adds. The 36 elementwise products summed over channels are 36 small GEMMs (tiles x
 * channels @ channels x filters), run by the gathered micro-kernel straight from the transformed
 * tiles. Interpolation points 0, 1, -1, 2, -2 and infinity; in float32 the pooled values differ from
 * the direct convolution's by about 1e-6 of their scale (rounding, not approximation); the training
 * forward pass's argmax, which decides where each window's gradient goes, is settled as in exact
 * arithmetic where rounding could flip it ({@link WinogradArgmax}).
 *
 * <p>Layout per image: the zero-bordered image channels last ([row][col][cp], cp = c rounded up to a
 * vector), then per block of {@link #ROWS} tiles: the transformed tiles V [36][cp / VL][ROWS][VL] (at each point,
 * each vector of channels of the block's tiles side by side, so the product's rows sit a constant distance apart, see
 * {@link GemmGatheredMicroKernel#multiplyInterleaved}; a cache line of padding after each point, see {@link #V_PAD}),
 * the GEMM results M [36][slivers][ROWS][NR] (padded the same way, see {@link #M_PAD}), and the
 * pooled values [tile][fp], transposed to the planar output at the end. On AVX-512 and AVX2 alike: with sixteen vector
 * registers a block is twelve tiles and the products run as two halves of six ({@link GemmGatheredMicroKernel#INTERLEAVED_ROWS});
 * MNIST CNN training with 8-float vectors on the Zen 4, fused: 1,733 -> 2,232 images/s with halves of four (the three
 * conv2 kernels 22.0 -> 12.8 ms of a 35.7 -> 24.0 ms step), then 2,010-2,641 -> 2,572-2,714 with halves of six.
 */
final class ConvWinograd {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int NR = GemmMicroKernel.NR;
    /**
     * Floats between one point's GEMM results and the next's past their own (a cache line). Unpadded, the 36 points of a
     * tile lay 2 KiB apart for the MNIST CNN's 64 filters, 4 KiB-aliased onto two sets of L1, so the output transform's
     * 36 loads per tile and filter vector kept evicting each other. Padded, conv2's pooled forward, one core's share at
     * batch 50 on the Zen 4: output stage 0.45-0.48 -> 0.24-0.29 ms, the call 2.72-2.81 -> 2.51-2.62 ms; with the
     * training argmax 3.27 -> 3.00 ms.
     */
    private static final int M_PAD = 16;
    /**
     * Floats after each point's transformed tiles. A tile's transform writes its 36 points one point apart: unpadded, that
     * is 2 KiB for 64 channels (eight tiles of 64 floats), and the 36 stores fall on two sets of L1. The MNIST CNN's
     * conv2 backward-data (64 channels), two cores, batch 50, in-process, both orders: 3.31-3.50 -> 3.09-3.17 ms with
     * 8-float vectors, 2.78-3.11 -> 2.66-2.67 with 16; its forward (32 channels, 1 KiB) even either way.
     */
    private static final int V_PAD = 16;
    /** Tiles per GEMM row block: the interleaved micro-kernel's rows. */
    private static final int ROWS = GemmGatheredMicroKernel.INTERLEAVED_ROWS;
    /** Input tile side (m + r - 1 for m = 2 outputs and r = 5 taps) and transformed points per tile. */
    static final int T = 6, POINTS = T * T;
    /** G (6 x 5): the filter transform. */
    private static final float[][] G = {
        {1 / 4f, 0, 0, 0, 0},
        {-1 / 6f, -1 / 6f, -1 / 6f, -1 / 6f, -1 / 6f},
        {-1 / 6f, 1 / 6f, -1 / 6f, 1 / 6f, -1 / 6f},
        {1 / 24f, 1 / 12f, 1 / 6f, 1 / 3f, 2 / 3f},
        {1 / 24f, -1 / 12f, 1 / 6f, -1 / 3f, 2 / 3f},
        {0, 0, 0, 0, 1},
    };

    private static final Scratch IMAGE = new Scratch();
    private static final Scratch WORK = new Scratch();
    /** G g of a vector of filters while they are transformed. */
    private static final Scratch FILTER = new Scratch();
    /** Per pixel of the bordered image (training's argmax only): which neighbours equal it. */
    private static final Scratch PIXELS = new Scratch();
    /** A tile's argmax cells as bytes (training's argmax only), converted a vector at a time. */
    private static final Scratch CELL_BYTES = new Scratch();
    /** VL bytes ({@link Vectors#LANE_BYTES}; null with 4-float vectors, whose cells are converted one by one). */
    private static final VectorSpecies<Byte> BYTES = Vectors.LANE_BYTES;
    /** -0 per filter: the bias of a layer without one, so the output stage always adds a bias (branch-free). */
    private static final Scratch NO_BIAS = new Scratch();
    /** Filter transforms ({@link #transformWeights}) on this thread. */
    private static final CallFrames<FilterTransform> TRANSFORMS = new CallFrames<>(FilterTransform::new);

    /**
     * The fewest input channels for which the transforms pay: the GEMMs are channels deep, and shallower
     * ones are mostly call overhead (measured at batch 50 on the Zen 5 machine: 16 channels 1.3 against the
     * direct kernel's 2.0 ms, 8 channels 1.06 against 0.98, one channel 1.6 against 0.42).
     */
    static final int MIN_CHANNELS = 16;

    private ConvWinograd() {}

    /** True for the convolutions this kernel computes on this machine (its outputs then stored or pooled). */
    static boolean suits(ConvGeometry g) {
        return g.c() >= MIN_CHANNELS && g.kh() == 5 && g.kw() == 5 && g.stride() == 1
                && g.oh() % 2 == 0 && g.ow() % 2 == 0;
    }

    /** True for the pooled convolutions it computes: 2 x 2 windows (one per tile) and an activation applied in registers. */
    static boolean suitsPooled(ConvGeometry g, int size, Activation act) {
        return size == 2 && act.appliesInRegister() && suits(g);
    }

    static int paddedChannels(int c) {
        // whole vectors, and whole eight-row tiles of the filter gradient's products (4-float vectors: two vectors a tile)
        int unit = Math.max(VL, GemmGatheredMicroKernel.ROWS);
        return Gemm.ceilDiv(c, unit) * unit;
    }

    /** Floats of the transformed filters of a layer with these output and input channel counts. */
    static int transformedSize(int outputs, int inputs) {
        return POINTS * Gemm.ceilDiv(outputs, NR) * paddedChannels(inputs) * NR;
    }

    /**
     * The filters transformed, U = G g G^T for each output and input channel, laid out as the micro-kernel's
     * B panels [point][sliver][cp][NR] (cp: the inputs rounded up to a vector; zero past the outputs and the inputs),
     * into u (null: a new array), over all cores.
     * g is w[o][i] ([outputs][inputs][5][5]), or with {@code flipped} w[i][o] turned by 180 degrees: the
     * filters of the backward-data convolution of a layer whose weights w are [inputs][outputs][5][5].
     *
     * <p>Training transforms on every step, so this runs as vectors over a vector of outputs (their taps
     * gathered), each input channel a task: about 2,000 filters in tens of microseconds.
     */
    static float[] transformWeights(int outputs, int inputs, float[] w, boolean flipped, float[] u) {
        int slivers = Gemm.ceilDiv(outputs, NR), cp = paddedChannels(inputs), size = transformedSize(outputs, inputs);
        float[] out = u != null ? u : new float[size];
        if (outputs % NR != 0) { // the lanes past the last output stay zero whatever the buffer held
            for (int point = 0; point < POINTS; point++) {
                int sliverAt = ((point * slivers + slivers - 1) * cp) * NR;
                for (int i = 0; i < inputs; i++) Arrays.fill(out, sliverAt + i * NR + outputs % NR, sliverAt + (i + 1) * NR, 0f);
            }
        }
        if (cp != inputs) { // so do the rows past the last input, which the products run through (depth cp)
            for (int sliverAt = 0; sliverAt < size; sliverAt += cp * NR) Arrays.fill(out, sliverAt + inputs * NR, sliverAt + cp * NR, 0f);
        }
        int stride = flipped ? 25 : inputs * 25; // between the taps of consecutive outputs
        int[] lanes = WinogradImages.laneStrides(stride);
        FilterTransform transform = TRANSFORMS.acquire();
        try {
            transform.outputs = outputs;
            transform.inputs = inputs;
            transform.w = w;
            transform.flipped = flipped;
            transform.lanes = lanes;
            transform.out = out;
            Parallel.forRange(inputs, transform);
        } finally {
            TRANSFORMS.release(transform);
        }
        return out;
    }

    /** One filter transform's arguments; task i transforms input channel i of every output. */
    private static final class FilterTransform implements IntConsumer, CallFrames.Frame {
        int outputs, inputs;
        float[] w, out;
        boolean flipped;
        int[] lanes;

        @Override
        public void accept(int i) {
            transformChannel(i, outputs, inputs, w, flipped, lanes, out);
        }

        @Override
        public void clear() {
            w = out = null;
        }
    }

    /** Input channel i of every output of {@link #transformWeights}, lanes its gather offsets between outputs. */
    private static void transformChannel(int i, int outputs, int inputs, float[] w, boolean flipped, int[] lanes, float[] out) {
        int slivers = Gemm.ceilDiv(outputs, NR), cp = paddedChannels(inputs);
        float[] gg = FILTER.atLeast((25 + T * 5) * VL); // the taps [25] then G g [a][kx], as vectors over outputs
        int taps = T * 5 * VL;
        for (int o0 = 0; o0 < outputs; o0 += VL) {
            var live = S.indexInRange(o0, outputs);
            int first = flipped ? (i * outputs + o0) * 25 + 24 : (o0 * inputs + i) * 25; // tap 0 of output o0
            int tapStep = flipped ? -1 : 1;
            for (int tap = 0; tap < 25; tap++) {
                if (live.allTrue()) {
                    FloatVector.fromArray(S, w, first + tapStep * tap, lanes, 0).intoArray(gg, taps + tap * VL);
                } else { // a masked gather still range-checks every lane: the last, partial vector of outputs by hand
                    for (int l = 0; l < VL; l++) gg[taps + tap * VL + l] = o0 + l < outputs ? w[first + tapStep * tap + lanes[l]] : 0f;
                }
            }
            for (int kx = 0; kx < 5; kx++) { // column kx of g, then G times it
                FloatVector g0 = FloatVector.fromArray(S, gg, taps + kx * VL), g1 = FloatVector.fromArray(S, gg, taps + (5 + kx) * VL);
                FloatVector g2 = FloatVector.fromArray(S, gg, taps + (10 + kx) * VL), g3 = FloatVector.fromArray(S, gg, taps + (15 + kx) * VL);
                FloatVector g4 = FloatVector.fromArray(S, gg, taps + (20 + kx) * VL);
                for (int a = 0; a < T; a++) {
                    g0.mul(G[a][0]).add(g1.mul(G[a][1])).add(g2.mul(G[a][2])).add(g3.mul(G[a][3])).add(g4.mul(G[a][4]))
                            .intoArray(gg, (a * 5 + kx) * VL);
                }
            }
            int sliver = o0 / NR, lane = o0 % NR;
            for (int a = 0; a < T; a++) { // row a of G g, times G^T
                FloatVector r0 = FloatVector.fromArray(S, gg, a * 5 * VL), r1 = FloatVector.fromArray(S, gg, (a * 5 + 1) * VL);
                FloatVector r2 = FloatVector.fromArray(S, gg, (a * 5 + 2) * VL), r3 = FloatVector.fromArray(S, gg, (a * 5 + 3) * VL);
                FloatVector r4 = FloatVector.fromArray(S, gg, (a * 5 + 4) * VL);
                for (int b = 0; b < T; b++) {
                    r0.mul(G[b][0]).add(r1.mul(G[b][1])).add(r2.mul(G[b][2])).add(r3.mul(G[b][3])).add(r4.mul(G[b][4]))
                            .intoArray(out, (((a * T + b) * slivers + sliver) * cp + i) * NR + lane, live);
                }
            }
        }
    }

    /** How a run of tiles gets each image: its zero-bordered form, channels last ([row][col][cp]), written whole ({@link WinogradImages}). */
    @FunctionalInterface
    interface Source {
        void fill(int image, float[] bordered);
    }

    /**
     * The whole batch of n images over all cores: runs of whole GEMM row blocks, a few per core, but no more
     * runs than images unless there are fewer images than cores: each run fills the bordered image of every
     * image it touches, so at batch 1 seven runs filled the one image seven times (0.06-0.075 ms for conv2 of
     * the MNIST CNN, 0.052-0.054 with two runs; batch 2 0.125-0.143 against 0.079-0.084). The row blocks, and
     * so the bits, are the same whatever the runs.
     */
    static void run(int n, ConvGeometry g, Source source, float[] u, float[] bias, Activation act, WinogradSink sink) {
        WinogradRun run = WinogradRun.FRAMES.acquire();
        try {
            run.run(n, g, source, u, bias, act, sink);
        } finally {
            WinogradRun.FRAMES.release(run);
        }
    }

    /**
     * The tiles [firstTile, endTile) of the batch, numbered image by image (tiles of consecutive images share
     * GEMM row blocks, so an image of 7 x 7 tiles wastes no rows): each tile's 2 x 2 outputs of
     * act(conv + bias), to the sink. u from {@link #transformWeights}.
     */
    static void forwardTiles(ConvGeometry g, Source source, float[] u, float[] bias, Activation act, WinogradSink sink, int firstTile,
                             int endTile) {
        int c = g.c(), f = g.f(), cp = paddedChannels(c), slivers = Gemm.ceilDiv(f, NR), fp = slivers * NR;
        PaddedImage pad = PaddedImage.of(g);
        int cols = pad.cols(), tw = g.ow() / 2, tiles = (g.oh() / 2) * tw;
        float[] bordered = IMAGE.atLeast(pad.rows() * cols * cp);
        float[] biases = bias != null ? bias : negativeZeros(f); // x + -0 is x: see Activation#inRegisterFloor
        int pointStride = fp * ROWS + M_PAD, vPoint = ROWS * cp + V_PAD;
        int vAt = 0, mAt = vAt + POINTS * vPoint, rowsAt = mAt + POINTS * pointStride, yAt = rowsAt + 4 * ROWS * fp;
        int classesAt = yAt + 4 * VL; // per tile of the block: its cells' patch classes and largest |x| (argmax only)
        float[] work = WORK.atLeast(classesAt + ROWS * 5);
        boolean argmaxWanted = sink instanceof WinogradSink.PoolArgmax;
        byte[] relations = argmaxWanted ? PIXELS.bytesAtLeast(pad.rows() * cols) : null;
        byte[] cellBytes = argmaxWanted ? CELL_BYTES.bytesAtLeast(fp) : null;
        float largestInImage = 0f; // of the image bordered holds (training's argmax only)
        int held = -1; // the image bordered now holds
        for (int t0 = firstTile; t0 < endTile; t0 += ROWS) {
            int rows = Math.min(ROWS, endTile - t0);
            for (int r = 0; r < rows; r++) {
                int image = (t0 + r) / tiles, t = (t0 + r) % tiles, top = (t / tw) * 2, left = (t % tw) * 2;
                if (image != held) {
                    source.fill(image, bordered);
                    held = image;
                    if (argmaxWanted) largestInImage = WinogradArgmax.pixelRelations(bordered, pad.rows(), cols, cp, relations);
                }
                if (argmaxWanted) {
                    WinogradArgmax.cellClasses(relations, cols, top, left, work, classesAt + r * 5);
                    work[classesAt + r * 5 + 4] = largestInImage;
                }
                for (int c0 = 0; c0 < cp; c0 += VL) {
                    WinogradInputTransform.apply(bordered, (top * cols + left) * cp + c0, cols * cp, cp, work, vAt + c0 * ROWS + r * VL, vPoint);
                }
            }
            for (int point = 0; point < POINTS; point++) { // rows past the block's tiles: whatever the buffer held, their results never read
                for (int sliver = 0; sliver < slivers; sliver++) {
                    GemmGatheredMicroKernel.multiplyInterleaved(work, vAt + point * vPoint, u, (point * slivers + sliver) * cp * NR, cp,
                            work, mAt + point * pointStride + sliver * ROWS * NR);
                }
            }
            for (int r = 0; r < rows; r++) {
                int image = (t0 + r) / tiles, t = (t0 + r) % tiles, at = rowsAt + r * 4 * fp;
                boolean nearTie = false;
                for (int f0 = 0; f0 < fp; f0 += VL) {
                    outputTransform(work, mAt + ((f0 / NR) * ROWS + r) * NR + f0 % NR, pointStride, work, yAt);
                    switch (sink) {
                        case WinogradSink.Pool p -> pool(work, yAt, biases, f0, f, act, work, at + f0);
                        case WinogradSink.PoolArgmax p -> nearTie |= WinogradArgmax.pool(work, yAt, biases, f0, f, act, work, classesAt + r * 5,
                                work[classesAt + r * 5 + 4], p.norms(), work, at + f0, at + fp + f0);
                        case WinogradSink.Store s -> finish(work, yAt, biases, f0, f, act, work, at + f0, fp);
                    }
                }
                switch (sink) {
                    case WinogradSink.Pool p -> {
                        int out = image * f * tiles + t;
                        for (int filter = 0; filter < f; filter++) p.pooled()[out + filter * tiles] = work[at + filter];
                    }
                    case WinogradSink.PoolArgmax p -> {
                        if (nearTie) { // a window in a few thousand: its filters recomputed in float64 first
                            if (image != held) { // the block reached the next image: the float64 path reads this one
                                source.fill(image, bordered);
                                held = image;
                                largestInImage = WinogradArgmax.pixelRelations(bordered, pad.rows(), cols, cp, relations);
                            }
                            int top = (t / tw) * 2, left = (t % tw) * 2;
                            for (int filter = 0; filter < f; filter++) {
                                if (work[at + fp + filter] < 0) {
                                    WinogradArgmax.resolve(bordered, cols, cp, top, left, c, p.weights(), biases, filter, act, work,
                                            at + filter, at + fp + filter);
                                }
                            }
                        }
                        // then the cells converted to bytes a vector at a time, and a plain copy loop (one filter plane
                        // apart). With the near-tie check and a float-to-byte conversion per filter in it, the loop took 0.33
                        // of the 3.3 ms of a training forward for 50 MNIST conv2 inputs on one Zen 5 core; this form makes
                        // the whole pass 4-7% faster (alternating blocks in one process)
                        float[] pooled = p.pooled();
                        byte[] argmax = p.argmax();
                        for (int f0 = 0; f0 < fp; f0 += VL) {
                            if (BYTES != null) {
                                ((ByteVector) FloatVector.fromArray(S, work, at + fp + f0).convertShape(VectorOperators.F2B, BYTES, 0))
                                        .intoArray(cellBytes, f0);
                            } else {
                                for (int l = 0; l < VL; l++) cellBytes[f0 + l] = (byte) work[at + fp + f0 + l];
                            }
                        }
                        int out = image * f * tiles + t;
                        for (int filter = 0; filter < f; filter++) {
                            pooled[out + filter * tiles] = work[at + filter];
                            argmax[out + filter * tiles] = cellBytes[filter];
                        }
                    }
                    case WinogradSink.Store s -> {
                        int plane = g.oh() * g.ow(), out = image * f * plane + (t / tw) * 2 * g.ow() + (t % tw) * 2;
                        for (int filter = 0; filter < f; filter++) {
                            int o = out + filter * plane;
                            s.y()[o] = work[at + filter];
                            s.y()[o + 1] = work[at + fp + filter];
                            s.y()[o + g.ow()] = work[at + 2 * fp + filter];
                            s.y()[o + g.ow() + 1] = work[at + 3 * fp + filter];
                        }
                    }
                }
            }
        }
    }

    /** This thread's f floats of -0. */
    private static float[] negativeZeros(int f) {
        float[] zeros = NO_BIAS.atLeast(f);
        Arrays.fill(zeros, 0, f, -0f);
        return zeros;
    }

    /**
     * Y = A^T M A: the 2 x 2 outputs of one tile for a vector of filters (M[point] at m + point * pointStride),
     * as four vectors y00, y01, y10, y11 at out[outAt ..]. A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1]: each column j of M is
     * first reduced to rows s0, s1 of A^T M, then added into the outputs with A's coefficients written out (no
     * multiply by 0 or 1). The loop form before it multiplied every column by both coefficients, a fused multiply-add
     * each: 2% of conv2's pooled forward for 50 MNIST images on one Zen 5 core (in-process, alternating). Each output
     * sums the same terms in the same order, each rounded once as before (y + 2 s is exact but for its one rounding), so
     * the bits are the same but for an exact zero's sign: the loop started from +0.
     */
    private static void outputTransform(float[] mBuf, int m, int pointStride, float[] out, int outAt) {
        int row = T * pointStride;
        // column 0: feeds y.0 only
        FloatVector m0 = FloatVector.fromArray(S, mBuf, m), m1 = FloatVector.fromArray(S, mBuf, m + row);
        FloatVector m2 = FloatVector.fromArray(S, mBuf, m + 2 * row), m3 = FloatVector.fromArray(S, mBuf, m + 3 * row);
        FloatVector m4 = FloatVector.fromArray(S, mBuf, m + 4 * row), m5 = FloatVector.fromArray(S, mBuf, m + 5 * row);
        FloatVector y00 = m0.add(m1).add(m2).add(m3).add(m4);
        FloatVector y10 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        FloatVector y01, y11;
        // column 1: weights 1, 1
        int a = m + pointStride;
        m0 = FloatVector.fromArray(S, mBuf, a); m1 = FloatVector.fromArray(S, mBuf, a + row);
        m2 = FloatVector.fromArray(S, mBuf, a + 2 * row); m3 = FloatVector.fromArray(S, mBuf, a + 3 * row);
        m4 = FloatVector.fromArray(S, mBuf, a + 4 * row); m5 = FloatVector.fromArray(S, mBuf, a + 5 * row);
        FloatVector s0 = m0.add(m1).add(m2).add(m3).add(m4), s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        y00 = y00.add(s0); y01 = s0; y10 = y10.add(s1); y11 = s1;
        // column 2: 1, -1
        a += pointStride;
        m0 = FloatVector.fromArray(S, mBuf, a); m1 = FloatVector.fromArray(S, mBuf, a + row);
        m2 = FloatVector.fromArray(S, mBuf, a + 2 * row); m3 = FloatVector.fromArray(S, mBuf, a + 3 * row);
        m4 = FloatVector.fromArray(S, mBuf, a + 4 * row); m5 = FloatVector.fromArray(S, mBuf, a + 5 * row);
        s0 = m0.add(m1).add(m2).add(m3).add(m4); s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        y00 = y00.add(s0); y01 = y01.sub(s0); y10 = y10.add(s1); y11 = y11.sub(s1);
        // column 3: 1, 2
        a += pointStride;
        m0 = FloatVector.fromArray(S, mBuf, a); m1 = FloatVector.fromArray(S, mBuf, a + row);
        m2 = FloatVector.fromArray(S, mBuf, a + 2 * row); m3 = FloatVector.fromArray(S, mBuf, a + 3 * row);
        m4 = FloatVector.fromArray(S, mBuf, a + 4 * row); m5 = FloatVector.fromArray(S, mBuf, a + 5 * row);
        s0 = m0.add(m1).add(m2).add(m3).add(m4); s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        y00 = y00.add(s0); y01 = y01.add(s0.mul(2f)); y10 = y10.add(s1); y11 = y11.add(s1.mul(2f));
        // column 4: 1, -2
        a += pointStride;
        m0 = FloatVector.fromArray(S, mBuf, a); m1 = FloatVector.fromArray(S, mBuf, a + row);
        m2 = FloatVector.fromArray(S, mBuf, a + 2 * row); m3 = FloatVector.fromArray(S, mBuf, a + 3 * row);
        m4 = FloatVector.fromArray(S, mBuf, a + 4 * row); m5 = FloatVector.fromArray(S, mBuf, a + 5 * row);
        s0 = m0.add(m1).add(m2).add(m3).add(m4); s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        y00 = y00.add(s0); y01 = y01.sub(s0.mul(2f)); y10 = y10.add(s1); y11 = y11.sub(s1.mul(2f));
        // column 5: 0, 1
        a += pointStride;
        m0 = FloatVector.fromArray(S, mBuf, a); m1 = FloatVector.fromArray(S, mBuf, a + row);
        m2 = FloatVector.fromArray(S, mBuf, a + 2 * row); m3 = FloatVector.fromArray(S, mBuf, a + 3 * row);
        m4 = FloatVector.fromArray(S, mBuf, a + 4 * row); m5 = FloatVector.fromArray(S, mBuf, a + 5 * row);
        s0 = m0.add(m1).add(m2).add(m3).add(m4); s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);
        y01 = y01.add(s0); y11 = y11.add(s1);
        y00.intoArray(out, outAt);
        y01.intoArray(out, outAt + VL);
        y10.intoArray(out, outAt + 2 * VL);
        y11.intoArray(out, outAt + 3 * VL);
    }

    /**
     * act(y + bias) of the four outputs at y[yAt ..] (window order a b / c d), then their maximum to out[maxAt]:
     * a later cell wins only when strictly greater, as in {@link PoolWindows} (the same NaN handling).
     */
    private static void pool(float[] y, int yAt, float[] bias, int f0, int f, Activation act, float[] out, int maxAt) {
        // straight-line, no vector passed to a method of ours (see Activation#inRegisterFloor); bias is never null here
        FloatVector b = FloatVector.fromArray(S, bias, f0, S.indexInRange(f0, f));
        float floor = act.inRegisterFloor();
        FloatVector best = FloatVector.fromArray(S, y, yAt).add(b).max(floor);
        for (int q = 1; q < 4; q++) {
            FloatVector v = FloatVector.fromArray(S, y, yAt + q * VL).add(b).max(floor);
            best = best.blend(v, v.compare(jdk.incubator.vector.VectorOperators.GT, best));
        }
        best.intoArray(out, maxAt);
    }

    /** act(y + bias) of the four outputs at y[yAt ..], to out[outAt + q * stride] for q = 0..3. */
    private static void finish(float[] y, int yAt, float[] bias, int f0, int f, Activation act, float[] out, int outAt, int stride) {
        FloatVector b = FloatVector.fromArray(S, bias, f0, S.indexInRange(f0, f));
        float floor = act.inRegisterFloor();
        for (int q = 0; q < 4; q++) FloatVector.fromArray(S, y, yAt + q * VL).add(b).max(floor).intoArray(out, outAt + q * stride);
    }
}
