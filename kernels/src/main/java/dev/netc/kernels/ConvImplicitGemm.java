package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;

/**
 * Convolution as an implicit GEMM with the output positions on the broadcast side of the
 * {@link GemmMicroKernel} and the filters on the vector side: y^T (positions x F) = col^T (positions x
 * patch) @ w^T (patch x F).
 *
 * <p>Why this orientation: filter counts (32, 64, ...) are multiples of the 16-float tile width, while
 * output planes (28x28, 14x14) are not, so no lane is wasted on the vector side and at most five rows on
 * the MR-row broadcast side (6 or 8). The weights are packed once per call and shared by every image; each image
 * is copied once into a zero-bordered buffer so the im2col gather needs no bounds logic, and each
 * MR-position slice of col^T is gathered straight into micro-kernel layout and reused for all filters.
 * The whole reduction runs in registers (no k blocking), so the bias and activation are applied once, to
 * the finished tile, before its single write.
 *
 * <p>The same engine serves backward-data at stride 1 (a "full" convolution of dy with the flipped,
 * channel-transposed weights) and backward-filter ({@link ConvImplicitGemmFilter}: dw^T = col @ dy^T, positions being
 * the reduction).
 */
final class ConvImplicitGemm {
    static final int MR = GemmMicroKernel.DIRECT_MR;
    static final int NR = GemmMicroKernel.NR;
    /** Room for the lanes a vector copy writes (or reads) past the end of a gathered panel. */
    static final int SLACK = GemmMicroKernel.VL;
    /** Runs per gathered slice copied as vectors: eight taps of a 5-wide kernel span three rows of it. */
    private static final int MAX_RUNS = 3;

    /**
     * The most vector slivers a gathered panel may serve for the micro-kernel to read the image directly
     * instead ({@link GemmGatheredMicroKernel}): measured on conv2 of the MNIST CNN (batch 50, two
     * slivers), backward-data and backward-filter ran 15-20% faster, the forward pass about the same.
     */
    private static final int DIRECT_MAX_SLIVERS = 2;

    /** Whether the micro-kernel reads im2col from the image rather than from a gathered panel. */
    static boolean readsImageDirectly(int slivers) {
        return GemmGatheredMicroKernel.AVAILABLE && slivers <= DIRECT_MAX_SLIVERS;
    }

    private static final Scratch PACKED_WEIGHTS = new Scratch();
    static final Scratch PADDED = new Scratch();
    private static final Scratch PANEL = new Scratch();
    private static final CallFrames<Forward> FORWARDS = new CallFrames<>(Forward::new);
    private ConvImplicitGemm() {}

    /** Rounds a filter count up to whole vector slivers. */
    static int paddedFilters(int f) {
        return Gemm.ceilDiv(f, NR) * NR;
    }

    /** Packs w [F][patch] as slivers [F/NR][patch][NR] (zero past F) into a caller-thread scratch. */
    static float[] packWeights(int f, int patch, float[] w) {
        float[] packed = PACKED_WEIGHTS.atLeast(paddedFilters(f) * patch);
        for (int sliver = 0; sliver < paddedFilters(f) / NR; sliver++) {
            int base = sliver * patch * NR;
            for (int l = 0; l < NR; l++) {
                int filter = sliver * NR + l;
                if (filter >= f) {
                    for (int p = 0; p < patch; p++) {
                        packed[base + p * NR + l] = 0f;
                    }
                    continue;
                }
                int src = filter * patch;
                for (int p = 0; p < patch; p++) {
                    packed[base + p * NR + l] = w[src + p];
                }
            }
        }
        return packed;
    }

    /**
     * Packs the weights of the backward-data convolution: w' [c][f][ky'][kx'] = w[f][c][kh-1-ky'][kw-1-kx']
     * (channels swapped, taps flipped), in the sliver layout of {@link #packWeights}, c being the output side.
     */
    static float[] packFlippedWeights(int f, int c, int kh, int kw, float[] w) {
        int patch = f * kh * kw; // the backward convolution reduces over (f, ky', kx')
        int taps = kh * kw;
        float[] packed = PACKED_WEIGHTS.atLeast(paddedFilters(c) * patch);
        Arrays.fill(packed, 0, paddedFilters(c) * patch, 0f);
        for (int fi = 0; fi < f; fi++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (ch / NR) * patch * NR + ch % NR;
                int src = (fi * c + ch) * taps;
                for (int t = 0; t < taps; t++) {
                    int p = fi * taps + (taps - 1 - t); // flipping both axes reverses the tap order
                    packed[base + p * NR] = w[src + t];
                }
            }
        }
        return packed;
    }

    /**
     * y[n][f][pos] = epilogue(sum over patch of col^T[pos][patch] * w[f][patch]) for every image, where the
     * weights are already packed by {@link #packWeights}/{@link #packFlippedWeights}; y is overwritten.
     *
     * @param bias one value per filter, or null
     */
    static void forward(int n, ConvGeometry g, float[] x, float[] packedWeights, float[] bias, Activation act,
                        float[] y) {
        forward(n, g, x, 0, packedWeights, bias, act, y, 0);
    }

    /** {@link #forward} for the n images from x[xOff] on, into y from yOff on (pooled convolutions call it per image). */
    static void forward(int n, ConvGeometry g, float[] x, int xOff, float[] packedWeights, float[] bias, Activation act,
                        float[] y, int yOff) {
        if (n <= 0) {
            return;
        }
        int blocks = Gemm.ceilDiv(g.outputPositions(), MR);
        int groups = ConvFrame.partsPerImage(n, blocks); // slices of an image's blocks
        int blocksPerGroup = Gemm.ceilDiv(blocks, groups);
        Forward call = FORWARDS.acquire();
        try {
            call.convolution(g, x, xOff, packedWeights, bias, act, y, yOff, groups, blocksPerGroup);
            call.blocks = blocks;
            Parallel.forRange(n * groups, call);
        } finally {
            FORWARDS.release(call);
        }
    }

    /** One forward pass's frame: the parts of an image are slices of its blocks of positions. */
    private static final class Forward extends ConvFrame {
        int blocks;

        @Override
        public void accept(int task) {
            int image = task / parts;
            int firstBlock = (task % parts) * perPart;
            int endBlock = Math.min(blocks, firstBlock + perPart);
            float[] padded = PADDED.atLeast(pad.size() + MR * g.patchSize() + MR * NR + SLACK);
            pad.fill(x, xOff + image * g.imageSize(), padded);
            forwardBlocks(g, pad, padded, firstBlock, endBlock, weights, bias, act, y, yOff + image * g.outputSize(), false);
        }
    }

    /** This thread's buffer a forward pass of g builds its bordered image in (from 0), with room for its panels and tiles after it. */
    static float[] paddedScratch(ConvGeometry g) {
        return PADDED.atLeast(PaddedImage.of(g).size() + MR * g.patchSize() + MR * NR + SLACK);
    }

    /**
     * act(conv + bias) of one image already bordered in padded[0, size) (a {@link #paddedScratch} a producer
     * wrote the image into), NCHW into y from yOff, on the calling thread.
     */
    static void forwardPadded(ConvGeometry g, float[] padded, float[] packedWeights, float[] bias, Activation act, float[] y,
                              int yOff) {
        forwardBlocks(g, PaddedImage.of(g), padded, 0, Gemm.ceilDiv(g.outputPositions(), MR), packedWeights, bias, act, y, yOff,
                false);
    }

    /**
     * act(conv + bias) of one image (from x[xOff]) on the calling thread, channels last:
     * out[pos * paddedFilters(f) + filter], the register tile's own layout, so each row leaves as whole
     * vectors instead of one scalar store per value (lanes from f on hold act(0)). A pooled convolution
     * pools this layout across filters, lane by lane, without shuffles ({@link PoolWindows#pool2x2ChannelsLast}).
     */
    static void forwardImageChannelsLast(ConvGeometry g, float[] x, int xOff, float[] packedWeights, float[] bias,
                                         Activation act, float[] out) {
        PaddedImage pad = PaddedImage.of(g);
        float[] padded = paddedScratch(g);
        pad.fill(x, xOff, padded);
        forwardBlocks(g, pad, padded, 0, Gemm.ceilDiv(g.outputPositions(), MR), packedWeights, bias, act, out, 0, true);
    }

    /**
     * The MR-position blocks [firstBlock, endBlock) of one image already filled into {@code padded}:
     * NCHW into y from imageOff, or channels last (see {@link #forwardImageChannelsLast}).
     */
    private static void forwardBlocks(ConvGeometry g, PaddedImage pad, float[] padded, int firstBlock, int endBlock,
                                      float[] packedWeights, float[] bias, Activation act, float[] y, int imageOff,
                                      boolean channelsLast) {
        int positions = g.outputPositions();
        int patch = g.patchSize();
        int fp = paddedFilters(g.f());
        int[] tapOffsets = pad.tapOffsets();
        int[] positionOffsets = pad.positionOffsets();
        int panel = pad.size();                // [patch][MR] gathered col^T rows
        int tile = panel + MR * patch + SLACK; // [MR][NR] finished accumulators
        boolean direct = readsImageDirectly(fp / NR);
        for (int block = firstBlock; block < endBlock; block++) {
            int q0 = block * MR;
            int rows = Math.min(MR, positions - q0);
            if (!direct) {
                gather(padded, tapOffsets, patch, positionOffsets, q0, rows, padded, panel);
            }
            for (int sliver = 0; sliver < fp / NR; sliver++) {
                multiplySlice(direct, padded, tapOffsets, positionOffsets, q0, rows, panel, packedWeights, sliver * patch * NR, patch, tile);
                if (channelsLast) {
                    storeRows(padded, tile, rows, sliver * NR, g.f(), bias, act, y, q0 * fp + sliver * NR, fp);
                } else {
                    storeTransposed(padded, tile, rows, sliver * NR, g.f(), bias, act, y, imageOff + q0, positions);
                }
            }
        }
    }

    /**
     * One MR x NR tile of an im2col product into work[tile ..]: A row r, depth p is
     * work[depthOffsets[p] + rowOffsets[row0 + r]], read there ({@code direct}) or from the panel at
     * work[panel ..] that {@link #gather} filled; B is the sliver at b[bOff ..].
     */
    static void multiplySlice(boolean direct, float[] work, int[] depthOffsets, int[] rowOffsets, int row0, int rows,
                                      int panel, float[] b, int bOff, int depth, int tile) {
        if (direct) {
            GemmGatheredMicroKernel.multiply(work, depthOffsets, rowOffsets, row0, rows, b, bOff, depth, work, tile);
        } else {
            GemmMicroKernel.multiply(work, panel, b, bOff, depth, work, tile);
        }
    }

    /**
     * dst[dstOff + i * MR + r] = src[outer[i] + inner[first + r]] for i in [0, count), r in [0, rows):
     * one MR-wide slice of an im2col matrix in micro-kernel layout. Lanes from rows on are left
     * unspecified (their results are discarded).
     *
     * <p>Why runs: at stride 1 the MR entries are mostly one to three contiguous runs of the source
     * (consecutive output columns, or consecutive kernel columns), so each run moves as one unmasked
     * vector. The lanes a vector writes past its run are overwritten by the next run or the next i, and
     * the last one lands in the slack after the panel; reads past a run stay inside src, which callers
     * guarantee by keeping at least a vector of slack after the data (the panel itself follows it).
     *
     * <p>Whole preferred vectors, as everywhere in netc. Eight rows on AVX-512 once copied as 256-bit vectors (a 512-bit
     * store per run writes twice what the row needs: a 128-filter 3 x 3 forward is 6% slower without them), but a
     * second float shape in the process pollutes the Vector API's shared type profiles: after a model that ran this
     * gather, C2 compiled GemmFewRows.rowTile with its stores not intrinsified, and batch-1 inference of the MNIST CNN
     * allocated 16 MB of boxed vectors per pass (NoAllocationTest, which runs every example first).
     */
    static void gather(float[] src, int[] outer, int count, int[] inner, int first, int rows,
                               float[] dst, int dstOff) {
        final var s = GemmMicroKernel.S;
        if (MR > GemmMicroKernel.VL) { // 4-float vectors: a run of six rows would need two vectors
            gatherEach(src, outer, count, inner, first, rows, dst, dstOff);
            return;
        }
        // where each run of consecutive source offsets starts among the rows (at most MAX_RUNS of them)
        int runs = 1;
        int start1 = rows, start2 = rows;
        for (int r = 1; r < rows; r++) {
            if (inner[first + r] != inner[first + r - 1] + 1) {
                if (runs == MAX_RUNS) { // more runs (small kernels and eight rows): plain scalar copies
                    gatherEach(src, outer, count, inner, first, rows, dst, dstOff);
                    return;
                }
                if (runs == 1) start1 = r; else start2 = r;
                runs++;
            }
        }
        int offset0 = inner[first];
        if (runs == 1) {
            for (int i = 0; i < count; i++) {
                FloatVector.fromArray(s, src, outer[i] + offset0).intoArray(dst, dstOff + i * MR);
            }
            return;
        }
        int offset1 = inner[first + start1];
        if (runs == 2) {
            for (int i = 0; i < count; i++) {
                int to = dstOff + i * MR;
                FloatVector.fromArray(s, src, outer[i] + offset0).intoArray(dst, to);
                FloatVector.fromArray(s, src, outer[i] + offset1).intoArray(dst, to + start1);
            }
            return;
        }
        int offset2 = inner[first + start2];
        for (int i = 0; i < count; i++) {
            int to = dstOff + i * MR;
            FloatVector.fromArray(s, src, outer[i] + offset0).intoArray(dst, to);
            FloatVector.fromArray(s, src, outer[i] + offset1).intoArray(dst, to + start1);
            FloatVector.fromArray(s, src, outer[i] + offset2).intoArray(dst, to + start2);
        }
    }

    /** {@link #gather} value by value. */
    private static void gatherEach(float[] src, int[] outer, int count, int[] inner, int first, int rows, float[] dst, int dstOff) {
        for (int i = 0; i < count; i++) {
            for (int q = 0; q < rows; q++) {
                dst[dstOff + i * MR + q] = src[outer[i] + inner[first + q]];
            }
        }
    }

    /**
     * Applies bias and activation to the tile (rows = positions, lanes = filters f0..f0+NR) and writes it
     * transposed into the NCHW output, whose plane for filter f starts at y[yOff + f * positions].
     */
    private static void storeTransposed(float[] work, int tile, int rows, int f0, int f, float[] bias,
                                        Activation act, float[] y, int yOff, int positions) {
        int lanes = Math.min(NR, f - f0);
        finishTile(work, tile, rows, f0, f, bias, act);
        for (int l = 0; l < lanes; l++) {
            int to = yOff + (f0 + l) * positions;
            for (int r = 0; r < rows; r++) {
                y[to + r] = work[tile + r * NR + l];
            }
        }
    }

    /** Copies the tile's rows to out[outOff + r * ld ..] as whole vectors, bias and activation applied on the way. */
    private static void storeRows(float[] work, int tile, int rows, int f0, int f, float[] bias, Activation act,
                                  float[] out, int outOff, int ld) {
        final var s = GemmMicroKernel.S;
        final int vl = GemmMicroKernel.VL;
        if (!act.appliesInRegister()) {
            finishTile(work, tile, rows, f0, f, bias, act);
            bias = null;
        }
        for (int half = 0; half < NR; half += vl) {
            // straight-line vector code, -0 for no bias (see Activation#inRegisterFloor)
            FloatVector b = FloatVector.fromArray(s, bias == null ? Activation.NEGATIVE_ZEROS : bias, bias == null ? 0 : f0 + half,
                    s.indexInRange(bias == null ? 0 : f0 + half, bias == null ? vl : f));
            float floor = act.inRegisterFloor(); // -infinity for an activation finishTile applied
            for (int r = 0; r < rows; r++) {
                FloatVector.fromArray(s, work, tile + r * NR + half).add(b).max(floor).intoArray(out, outOff + r * ld + half);
            }
        }
    }

    /** tile = act(tile + bias) in place, for filters f0.. (lanes past f get a zero bias). */
    private static void finishTile(float[] work, int tile, int rows, int f0, int f, float[] bias, Activation act) {
        if (bias == null && act == Activation.NONE) {
            return;
        }
        int lanes = Math.min(NR, f - f0);
        final var s = GemmMicroKernel.S;
        final int vl = GemmMicroKernel.VL;
        float floor = act.inRegisterFloor();
        for (int half = 0; half < lanes; half += vl) {
            var live = s.indexInRange(half, lanes);
            // straight-line vector code, -0 for no bias (see Activation#inRegisterFloor)
            FloatVector b = FloatVector.fromArray(s, bias == null ? Activation.NEGATIVE_ZEROS : bias, bias == null ? 0 : f0 + half, live);
            for (int r = 0; r < rows; r++) {
                int index = tile + r * NR + half;
                FloatVector.fromArray(s, work, index).add(b).max(floor).intoArray(work, index); // a cheap activation in the same pass
                if (!act.appliesInRegister()) {
                    act.applyVector(work, index);
                }
            }
        }
    }
}
