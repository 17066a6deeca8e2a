package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;

/**
 * The filter gradient of a convolution by {@link ConvImplicitGemm}'s engine: dw^T = col @ dy^T, the output
 * positions being the reduction, col read from the zero-bordered images in place (or gathered into a panel)
 * and dy transposed into NR-wide slivers.
 */
final class ConvImplicitGemmFilter {
    private static final int MR = ConvImplicitGemm.MR;
    private static final int NR = ConvImplicitGemm.NR;
    private static final int SLACK = ConvImplicitGemm.SLACK;
    /** Output positions transposed at a time: 64 x NR floats of dyT (8 KiB on AVX-512) stay in L1. */
    private static final int TRANSPOSE_BLOCK = 64;
    private static final Scratch TRANSPOSED = new Scratch();
    private static final Scratch PARTIALS = new Scratch();
    /** One image of a pooled gradient expanded. */
    private static final Scratch EXPANDED = new Scratch();
    private static final CallFrames<FilterGradient> FILTER_GRADIENTS = new CallFrames<>(FilterGradient::new);
    /**
     * Images whose positions one backward-filter pass over the tap blocks reduces together: each
     * micro-kernel call runs four times deeper, and its tile is added into the partial sums a quarter as
     * often. Four of the MNIST CNN's conv2 (bordered images and transposed dy, 0.36 MB) stay in L2.
     */
    private static final int IMAGES_PER_PASS = 4;
    /** Each geometry's position offsets repeated for IMAGES_PER_PASS bordered images laid one after another. */
    private static final java.util.concurrent.ConcurrentHashMap<ConvGeometry, int[]> GROUP_OFFSETS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static int[] groupedOffsets(int[] positionOffsets, int imageSize) {
        int positions = positionOffsets.length;
        int[] offsets = new int[IMAGES_PER_PASS * positions];
        for (int i = 0; i < IMAGES_PER_PASS; i++) {
            for (int q = 0; q < positions; q++) {
                offsets[i * positions + q] = i * imageSize + positionOffsets[q];
            }
        }
        return offsets;
    }

    private ConvImplicitGemmFilter() {}

    /**
     * dw[f][patch] (and, when dBias is not null, dBias[f] = sum of dy over images and positions) for
     * the convolution g; both overwritten. Images are split into one contiguous chunk per core, each
     * summing into its own dw^T buffer, and the buffers are added (and transposed) at the end.
     */
    static void backwardFilter(int n, ConvGeometry g, float[] x, float[] dy, float[] dw, float[] dBias) {
        backwardFilter(n, g, x, dy, null, 0, dw, dBias);
    }

    /** {@link #backwardFilter} for dy = dyPooled ([n][f][oh / size][ow / size]) expanded by its argmax, image by image. */
    static void backwardFilterPooled(int n, ConvGeometry g, float[] x, float[] dyPooled, byte[] argmax, int size, float[] dw,
                                     float[] dBias) {
        backwardFilter(n, g, x, dyPooled, argmax, size, dw, dBias);
    }

    /** dy dense when argmax is null, else pooled and expanded per image. */
    private static void backwardFilter(int n, ConvGeometry g, float[] x, float[] dy, byte[] argmax, int size, float[] dw,
                                       float[] dBias) {
        PaddedImage pad = PaddedImage.of(g);
        int positions = g.outputPositions();
        int patch = g.patchSize();
        int fp = ConvImplicitGemm.paddedFilters(g.f());
        int[] positionOffsets = pad.positionOffsets();
        int chunks = Math.max(1, Math.min(n, Parallel.threads()));
        int partialSize = patch * fp + fp; // dw^T, then the bias sums
        float[] partials = PARTIALS.atLeast(chunks * partialSize);
        Arrays.fill(partials, 0, chunks * partialSize, 0f);
        int[] cachedGroups = GROUP_OFFSETS.get(g); // looked up first: the capturing lambda would be allocated per call
        int[] groupOffsets = cachedGroups != null ? cachedGroups
                : GROUP_OFFSETS.computeIfAbsent(g, key -> groupedOffsets(positionOffsets, pad.size()));
        FilterGradient call = FILTER_GRADIENTS.acquire();
        try {
            call.n = n;
            call.g = g;
            call.x = x;
            call.dy = dy;
            call.argmax = argmax;
            call.size = size;
            call.chunks = chunks;
            call.partialSize = partialSize;
            call.partials = partials;
            call.groupOffsets = groupOffsets;
            Parallel.forRange(chunks, call);
        } finally {
            FILTER_GRADIENTS.release(call);
        }
        for (int f = 0; f < g.f(); f++) {
            for (int p = 0; p < patch; p++) {
                float sum = 0f;
                for (int chunk = 0; chunk < chunks; chunk++) {
                    sum += partials[chunk * partialSize + p * fp + f];
                }
                dw[f * patch + p] = sum;
            }
            if (dBias != null) {
                float sum = 0f;
                for (int chunk = 0; chunk < chunks; chunk++) {
                    sum += partials[chunk * partialSize + patch * fp + f];
                }
                dBias[f] = sum;
            }
        }
    }

    /**
     * One filter gradient's arguments; task t is chunk t of the images, summed into its own partials (a per-thread
     * frame, see {@link CallFrames}). dy is dense, or pooled (argmax not null) and expanded per image.
     */
    private static final class FilterGradient implements IntConsumer, CallFrames.Frame {
        int n, size, chunks, partialSize;
        ConvGeometry g;
        float[] x, dy, partials;
        byte[] argmax;
        int[] groupOffsets;

        @Override
        public void accept(int chunk) {
            PaddedImage pad = PaddedImage.of(g);
            int positions = g.outputPositions(), patch = g.patchSize(), fp = ConvImplicitGemm.paddedFilters(g.f());
            int[] tapOffsets = pad.tapOffsets();
            int group = Math.min(IMAGES_PER_PASS, Gemm.ceilDiv(n, chunks));
            int acc = chunk * partialSize;
            int images = group * pad.size();   // the group's zero-bordered images, one after another
            float[] work = ConvImplicitGemm.PADDED.atLeast(images + MR * group * positions + MR * NR + 2 * SLACK);
            int panel = images;                // [group * positions][MR] gathered col rows
            int tile = panel + MR * group * positions + SLACK;
            float[] dyT = TRANSPOSED.atLeast(fp * group * positions);
            int endImage = (int) ((long) n * (chunk + 1) / chunks);
            boolean direct = ConvImplicitGemm.readsImageDirectly(fp / NR);
            for (int first = (int) ((long) n * chunk / chunks); first < endImage; first += group) {
                int count = Math.min(group, endImage - first);
                int depth = count * positions;   // the reduction runs over every position of the group's images
                for (int i = 0; i < count; i++) {
                    pad.fill(x, (first + i) * g.imageSize(), work, i * pad.size());
                    float[] dyImage = dy;
                    int dyOff = (first + i) * g.outputSize();
                    if (argmax != null) { // expanded from the pooled gradient into this thread's copy
                        int ph = g.oh() / size, pw = g.ow() / size;
                        dyImage = EXPANDED.atLeast(g.outputSize());
                        PoolWindows.expand(dy, argmax, (first + i) * g.f() * ph * pw, g.f(), ph, pw, size, dyImage, 0);
                        dyOff = 0;
                    }
                    transposeOutput(dyImage, dyOff, g.f(), positions, dyT, i * positions * NR, depth * NR, partials, acc + patch * fp);
                }
                for (int p0 = 0; p0 < patch; p0 += MR) {
                    int rows = Math.min(MR, patch - p0);
                    if (!direct) {
                        ConvImplicitGemm.gather(work, groupOffsets, depth, tapOffsets, p0, rows, work, panel);
                    }
                    for (int sliver = 0; sliver < fp / NR; sliver++) {
                        ConvImplicitGemm.multiplySlice(direct, work, groupOffsets, tapOffsets, p0, rows, panel, dyT, sliver * depth * NR, depth, tile);
                        addTile(work, tile, rows, partials, acc + p0 * fp + sliver * NR, fp);
                    }
                }
            }
        }

        @Override
        public void clear() {
            x = dy = partials = null;
            argmax = null;
        }
    }

    /** acc[accOff + r * ld ..] += tile row r, for the first {@code rows} rows (each NR floats). */
    private static void addTile(float[] work, int tile, int rows, float[] acc, int accOff, int ld) {
        final var s = GemmMicroKernel.S;
        for (int r = 0; r < rows; r++) {
            for (int half = 0; half < NR; half += GemmMicroKernel.VL) {
                int to = accOff + r * ld + half;
                FloatVector.fromArray(s, acc, to).add(FloatVector.fromArray(s, work, tile + r * NR + half))
                        .intoArray(acc, to);
            }
        }
    }

    /**
     * dyT[dyTOff + sliver * sliverStride + pos * NR + l] = dy[yOff + (sliver * NR + l) * positions + pos] (zero
     * past f), the vector side of backward-filter; also adds each filter's sum of dy to biasSums[biasOff + f].
     */
    private static void transposeOutput(float[] dy, int yOff, int f, int positions, float[] dyT, int dyTOff, int sliverStride,
                                        float[] biasSums, int biasOff) {
        int fp = ConvImplicitGemm.paddedFilters(f);
        for (int filter = f; filter < fp; filter++) {
            int base = dyTOff + (filter / NR) * sliverStride + filter % NR;
            for (int q = 0; q < positions; q++) {
                dyT[base + q * NR] = 0f;
            }
        }
        // a block of positions at a time, so that the block's rows of dyT (TRANSPOSE_BLOCK x NR floats) stay
        // in L1 while every filter writes its column into them: column by column over all positions, each
        // store (NR floats apart) went to a line evicted since the previous filter's
        for (int q0 = 0; q0 < positions; q0 += TRANSPOSE_BLOCK) {
            int q1 = Math.min(positions, q0 + TRANSPOSE_BLOCK);
            for (int filter = 0; filter < f; filter++) {
                int base = dyTOff + (filter / NR) * sliverStride + filter % NR;
                int src = yOff + filter * positions;
                float sum = 0f;
                for (int q = q0; q < q1; q++) {
                    float v = dy[src + q];
                    dyT[base + q * NR] = v;
                    sum += v;
                }
                biasSums[biasOff + filter] += sum;
            }
        }
    }
}
