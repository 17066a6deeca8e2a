package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The filter gradient of a pooled 5 x 5 stride-1 convolution (2 x 2 windows) by Winograd's F(5 x 5, 2 x 2):
 * dw[f][c] = sum over images and tiles of the correlation of the tile's 6 x 6 input d with its 2 x 2
 * output gradient e, = A^T [sum (G e G^T) . (B^T d B)] A. The sum moves inside the transforms, so the
 * 36 elementwise products summed over every tile of the batch are 36 GEMMs (channels x tiles @ tiles x
 * filters) whose depth is the tiles, and the output transform runs once per filter and channel.
 *
 * <p>Why it is cheap here: a tile is one pooling window, so e holds the pooled gradient at the window's
 * argmax and zero elsewhere, and G e G^T is that value times an outer product of two columns of G; the
 * input transform B^T d B is {@link ConvWinograd}'s (the same interpolation points). Images are split into
 * one fixed chunk per core, each summing its own 36 x c x f partials, added in chunk order: the same bits
 * for a given core count. On AVX-512 and AVX2 alike, like {@link ConvWinograd}.
 */
final class ConvWinogradFilter {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int NR = GemmMicroKernel.NR;
    private static final int ROWS = GemmGatheredMicroKernel.ROWS;
    private static final int T = ConvWinograd.T, POINTS = ConvWinograd.POINTS;
    /** G (6 x 2) of F(5, 2), as its two columns. */
    private static final float[] G0 = {1 / 4f, -1 / 6f, -1 / 6f, 1 / 24f, 1 / 24f, 0}, G1 = {0, -1 / 6f, 1 / 6f, 1 / 12f, -1 / 12f, 1};
    /** A^T (5 x 6) of F(5, 2). */
    private static final float[][] AT = {
        {1, 1, 1, 1, 1, 0},
        {0, 1, -1, 2, -2, 0},
        {0, 1, 1, 4, 4, 0},
        {0, 1, -1, 8, -8, 0},
        {0, 1, 1, 16, 16, 1},
    };

    private static final Scratch IMAGE = new Scratch();
    private static final Scratch WORK = new Scratch();
    private static final Scratch PARTIALS = new Scratch();
    /** One channel's 25 gradient taps for a vector of filters, before they are scattered. */
    private static final Scratch OUTPUTS = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private ConvWinogradFilter() {}

    /** True for the pooled convolutions whose filter gradient this computes on this machine. */
    static boolean suits(ConvGeometry g, int size) {
        return size == 2 && ConvWinograd.suits(g);
    }

    /**
     * dw[f][c][5][5] and, when dBias is not null, dBias[f] = the sum of the pooled gradient; both overwritten.
     * dy is dyPooled ([n][f][oh / 2][ow / 2]) at the cells argmax names, zero elsewhere.
     */
    static void backwardFilter(int n, ConvGeometry g, float[] x, float[] dyPooled, byte[] argmax, float[] dw, float[] dBias) {
        int c = g.c(), f = g.f(), cp = ConvWinograd.paddedChannels(c), fSlivers = Gemm.ceilDiv(f, NR), fp = fSlivers * NR;
        int tiles = (g.oh() / 2) * (g.ow() / 2);
        int chunks = Math.max(1, Math.min(n, Parallel.threads()));
        int partialSize = POINTS * cp * fp + fp; // sums[point][filter sliver][channel][NR], then the bias
        float[] partials = PARTIALS.atLeast(chunks * partialSize);
        Call call = CALLS.acquire();
        try {
            call.n = n;
            call.g = g;
            call.planar.of(g, x);
            call.dyPooled = dyPooled;
            call.argmax = argmax;
            call.partials = partials;
            call.chunks = chunks;
            call.partialSize = partialSize;
            call.dw = dw;
            Parallel.forRange(chunks, call.chunk);
            for (int chunk = 1; chunk < chunks; chunk++) { // chunk order: the same bits for a given core count
                for (int i = 0; i < partialSize; i += VL) {
                    FloatVector.fromArray(S, partials, i).add(FloatVector.fromArray(S, partials, chunk * partialSize + i)).intoArray(partials, i);
                }
            }
            Parallel.forRange(c, call.outputTransform);
        } finally {
            CALLS.release(call);
        }
        if (dBias != null) System.arraycopy(partials, POINTS * cp * fp, dBias, 0, f);
    }

    /** One filter gradient's arguments, for its parallel bodies (a per-thread frame, see {@link CallFrames}). */
    private static final class Call implements CallFrames.Frame {
        final WinogradImages.Planar planar = new WinogradImages.Planar();
        int n, chunks, partialSize;
        ConvGeometry g;
        float[] dyPooled, partials, dw;
        byte[] argmax;
        final IntConsumer chunk = this::chunk;
        final IntConsumer outputTransform = ch -> ConvWinogradFilter.outputTransform(partials, ch,
                ConvWinograd.paddedChannels(g.c()), g.f(), Gemm.ceilDiv(g.f(), NR), g.c(), dw);

        /** Images [n * chunk / chunks, n * (chunk + 1) / chunks) into the chunk's partial sums. */
        private void chunk(int chunk) {
            int c = g.c(), f = g.f(), cp = ConvWinograd.paddedChannels(c), fSlivers = Gemm.ceilDiv(f, NR), fp = fSlivers * NR;
            int tiles = (g.oh() / 2) * (g.ow() / 2);
            int[] lanes = WinogradImages.laneStrides(tiles); // a vector of filters' pooled gradients, one plane of tiles apart
            int cSlivers = Gemm.ceilDiv(cp, NR), vPoint = cSlivers * tiles * NR; // V[point][channel sliver][t][NR]
            int at = chunk * partialSize;
            Arrays.fill(partials, at, at + partialSize, 0f);
            PaddedImage pad = PaddedImage.of(g);
            int cols = pad.cols(), tw = g.ow() / 2;
            float[] bordered = IMAGE.atLeast(pad.rows() * cols * cp);
            int vAt = 0, eAt = vAt + POINTS * vPoint, cellsAt = eAt + POINTS * fSlivers * tiles * NR + 3 * VL;
            float[] work = WORK.atLeast(cellsAt + f * tiles + 2 * VL * VL); // then the argmax as floats and two blocks (transformGradient)
            for (int image = (int) ((long) n * chunk / chunks); image < (int) ((long) n * (chunk + 1) / chunks); image++) {
                planar.fill(image, bordered);
                for (int t = 0; t < tiles; t++) { // V[point][c / NR][t][c % NR] = B^T d B
                    int top = (t / tw) * 2, left = (t % tw) * 2;
                    for (int c0 = 0; c0 < cp; c0 += VL) {
                        WinogradInputTransform.apply(bordered, (top * cols + left) * cp + c0, cols * cp, cp, work,
                                vAt + ((c0 / NR) * tiles + t) * NR + c0 % NR, vPoint);
                    }
                }
                transformGradient(dyPooled, argmax, image * f * tiles, f, tiles, fSlivers, lanes, work, eAt, partials, at + POINTS * cp * fp);
                for (int point = 0; point < POINTS; point++) { // sums[point] += V[point]^T E[point] (channels x filters)
                    for (int c0 = 0; c0 < c; c0 += ROWS) { // past c: padded channels (c0 + ROWS <= cp), zero
                        for (int js = 0; js < fSlivers; js++) { // the partial sums' 8 x NR block, added to in place
                            GemmGatheredMicroKernel.multiplyAddSlivers(work, vAt + point * vPoint + ((c0 / NR) * tiles) * NR + c0 % NR,
                                    work, eAt + (point * fSlivers + js) * tiles * NR, tiles, partials, at + ((point * fSlivers + js) * cp + c0) * NR);
                        }
                    }
                }
            }
        }

        @Override
        public void clear() {
            planar.clear();
            dyPooled = partials = dw = null;
            argmax = null;
        }
    }

    /**
     * E[point][sliver][t][NR] = G e G^T of each tile and filter: the pooled value v at argmax cell (p, q) makes
     * it v G[.][p] G[.][q]^T. Also adds each filter's pooled values into bias[f], tile by tile in order. The planes'
     * values and cells (the argmax widened to floats first) come VL tiles x a vector of filters at a time, transposed
     * in registers ({@link ChannelsLastTranspose}; the last block of tiles overlaps the one before, whose tiles it skips),
     * or gathered tile by tile where there are fewer tiles than a vector; the last partial vector of filters by hand. The
     * column factors G[b][q] are made once per vector, not per point. lanes: {@link WinogradImages#laneStrides} of tiles.
     */
    private static void transformGradient(float[] dyPooled, byte[] argmax, int from, int f, int tiles, int fSlivers, int[] lanes,
                                          float[] e, int eAt, float[] bias, int biasAt) {
        int lanesAt = eAt + POINTS * fSlivers * tiles * NR; // the pooled values and cells of a partial vector of filters
        int cellsAt = lanesAt + 3 * VL; // the argmax [f][tiles] as floats
        int vectors = f / VL * VL;
        int valuesBlock = cellsAt + f * tiles, cellsBlock = valuesBlock + VL * VL; // a block's transposed values and cells
        WinogradImages.cellsAsFloats(argmax, from, vectors * tiles, e, cellsAt);
        int pointStride = fSlivers * tiles * NR;
        boolean transposed = tiles >= VL;
        for (int t0 = 0; t0 < tiles; t0 += transposed ? VL : 1) {
            int first = transposed ? Math.min(t0, tiles - VL) : t0, end = transposed ? first + VL : t0 + 1;
            for (int f0 = 0; f0 < fSlivers * NR; f0 += VL) {
                boolean whole = f0 < vectors;
                if (whole && transposed) {
                    ChannelsLastTranspose.toBlock(dyPooled, from + f0 * tiles + first, tiles, e, valuesBlock);
                    ChannelsLastTranspose.toBlock(e, cellsAt + f0 * tiles + first, tiles, e, cellsBlock);
                }
                for (int t = t0; t < end; t++) { // from t0: tiles of an overlapping last block done before are skipped
                    FloatVector value, cell;
                    if (whole && transposed) {
                        value = FloatVector.fromArray(S, e, valuesBlock + (t - first) * VL);
                        cell = FloatVector.fromArray(S, e, cellsBlock + (t - first) * VL);
                    } else if (whole) {
                        value = FloatVector.fromArray(S, dyPooled, from + f0 * tiles + t, lanes, 0);
                        cell = FloatVector.fromArray(S, e, cellsAt + f0 * tiles + t, lanes, 0);
                    } else { // the filters of this vector gathered by hand, zero past f
                        for (int l = 0; l < VL; l++) {
                            boolean live = f0 + l < f;
                            int at = from + (f0 + l) * tiles + t;
                            e[lanesAt + l] = live ? dyPooled[at] : 0f;
                            e[lanesAt + VL + l] = live ? argmax[at] : 0f;
                        }
                        value = FloatVector.fromArray(S, e, lanesAt);
                        cell = FloatVector.fromArray(S, e, lanesAt + VL);
                    }
                    VectorMask<Float> lower = cell.compare(VectorOperators.GE, 2f);
                    VectorMask<Float> right = cell.compare(VectorOperators.EQ, 1f).or(cell.compare(VectorOperators.EQ, 3f));
                    FloatVector.fromArray(S, bias, biasAt + f0).add(value).intoArray(bias, biasAt + f0);
                    FloatVector g0 = FloatVector.broadcast(S, G0[0]).blend(G1[0], right), g1 = FloatVector.broadcast(S, G0[1]).blend(G1[1], right);
                    FloatVector g2 = FloatVector.broadcast(S, G0[2]).blend(G1[2], right), g3 = FloatVector.broadcast(S, G0[3]).blend(G1[3], right);
                    FloatVector g4 = FloatVector.broadcast(S, G0[4]).blend(G1[4], right), g5 = FloatVector.broadcast(S, G0[5]).blend(G1[5], right);
                    int at = eAt + ((f0 / NR) * tiles + t) * NR + f0 % NR;
                    for (int a = 0; a < T; a++) {
                        FloatVector ga = FloatVector.broadcast(S, G0[a]).blend(G1[a], lower).mul(value);
                        int o = at + a * T * pointStride;
                        ga.mul(g0).intoArray(e, o);
                        ga.mul(g1).intoArray(e, o + pointStride);
                        ga.mul(g2).intoArray(e, o + 2 * pointStride);
                        ga.mul(g3).intoArray(e, o + 3 * pointStride);
                        ga.mul(g4).intoArray(e, o + 4 * pointStride);
                        ga.mul(g5).intoArray(e, o + 5 * pointStride);
                    }
                }
            }
        }
    }

    /**
     * dw[f][ch][ky][kx] = (A^T S A)[ky][kx] for every filter, S[point] = sums[point][f / NR][ch][f % NR]: first each row a of
     * S times A (inner[a][kx], a multiply-add per nonzero A^T[kx][b], in b order), then A^T times those (in a order). Each
     * tap used to compute inner[a][kx] for itself, five times over; computed once, the pass took 0.12 instead of 0.26 ms
     * for the MNIST CNN's conv2 on one Zen 5 core (of the filter gradient's 3.2), with the same operations in the same
     * order for each value, so the same bits.
     */
    private static void outputTransform(float[] sums, int ch, int cp, int f, int fSlivers, int c, float[] dw) {
        float[] y = OUTPUTS.atLeast((25 + T * 5) * VL); // the taps [25][VL], then inner [a][kx][VL]
        int innerAt = 25 * VL;
        for (int f0 = 0; f0 < f; f0 += VL) {
            for (int a = 0; a < T; a++) {
                for (int kx = 0; kx < 5; kx++) {
                    FloatVector inner = FloatVector.zero(S);
                    for (int b = 0; b < T; b++) {
                        if (AT[kx][b] == 0) continue;
                        int at = (((a * T + b) * fSlivers + f0 / NR) * cp + ch) * NR + f0 % NR;
                        inner = FloatVector.fromArray(S, sums, at).fma(FloatVector.broadcast(S, AT[kx][b]), inner);
                    }
                    inner.intoArray(y, innerAt + (a * 5 + kx) * VL);
                }
            }
            for (int ky = 0; ky < 5; ky++) {
                for (int kx = 0; kx < 5; kx++) {
                    FloatVector sum = FloatVector.zero(S);
                    for (int a = 0; a < T; a++) {
                        if (AT[ky][a] == 0) continue;
                        sum = FloatVector.fromArray(S, y, innerAt + (a * 5 + kx) * VL).fma(FloatVector.broadcast(S, AT[ky][a]), sum);
                    }
                    sum.intoArray(y, (ky * 5 + kx) * VL);
                }
            }
            for (int l = 0; l < Math.min(VL, f - f0); l++) {
                int o = ((f0 + l) * c + ch) * 25;
                for (int tap = 0; tap < 25; tap++) dw[o + tap] = y[tap * VL + l];
            }
        }
    }
}
