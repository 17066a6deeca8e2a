package dev.netc.kernels;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 5 x 5 convolution with its bias, a cheap activation and 2 x 2 max pooling by Winograd's
 * minimal filtering F(2 x 2, 5 x 5), for inference (no argmax) with frozen weights.
 *
 * <p>Why: each 2 x 2 block of outputs, which is exactly one pooling window, comes from a 6 x 6 input
 * tile d as Y = A^T [(G g G^T) . (B^T d B)] A, where the product is elementwise: 36 multiplies per
 * tile, channel and filter instead of 100, so the conv2 layer of the MNIST CNN runs 2.8x fewer
 * multiply-adds. The 36 elementwise products summed over channels are 36 small GEMMs (tiles x
 * channels @ channels x filters), run by the gathered micro-kernel straight from the transformed
 * tiles. Interpolation points 0, 1, -1, 2, -2 and infinity; in float32 the pooled values differ from
 * the direct convolution's by about 1e-6 of their scale (rounding, not approximation), so training
 * keeps the direct kernels (their argmax must match the gradient's pooling exactly).
 *
 * <p>Layout per image: the zero-bordered image channels last ([row][col][cp], cp = c rounded up to a
 * vector), then per block of {@link #ROWS} tiles: the transformed tiles V [36][ROWS][cp], the GEMM
 * results M [36][slivers][ROWS][NR], and the pooled values [tile][fp], transposed to the planar
 * output at the end. AVX-512 only (the gathered micro-kernel's eight rows).
 */
final class ConvWinograd {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final int NR = GemmMicroKernel.NR;
    /** Tiles per GEMM row block: the gathered micro-kernel's rows. */
    private static final int ROWS = GemmGatheredMicroKernel.ROWS;
    /** Input tile side (m + r - 1 for m = 2 outputs and r = 5 taps) and transformed points per tile. */
    private static final int T = 6, POINTS = T * T;
    /** G (6 x 5): the filter transform. */
    private static final double[][] G = {
        {1 / 4.0, 0, 0, 0, 0},
        {-1 / 6.0, -1 / 6.0, -1 / 6.0, -1 / 6.0, -1 / 6.0},
        {-1 / 6.0, 1 / 6.0, -1 / 6.0, 1 / 6.0, -1 / 6.0},
        {1 / 24.0, 1 / 12.0, 1 / 6.0, 1 / 3.0, 2 / 3.0},
        {1 / 24.0, -1 / 12.0, 1 / 6.0, -1 / 3.0, 2 / 3.0},
        {0, 0, 0, 0, 1},
    };

    private static final Scratch IMAGE = new Scratch();
    private static final Scratch WORK = new Scratch();
    /** [0, c): the depth offsets of the transformed tiles (channel p at p); per channel count. */
    private static final ConcurrentHashMap<Integer, int[]> CHANNELS = new ConcurrentHashMap<>();
    /** Row offsets of V for each point and row of a block, per padded channel count: (point * ROWS + r) * cp. */
    private static final ConcurrentHashMap<Integer, int[]> ROW_OFFSETS = new ConcurrentHashMap<>();

    /**
     * The fewest input channels for which the transforms pay: the GEMMs are channels deep, and shallower
     * ones are mostly call overhead (measured at batch 50 on the Zen 5 machine: 16 channels 1.3 against the
     * direct kernel's 2.0 ms, 8 channels 1.06 against 0.98, one channel 1.6 against 0.42).
     */
    static final int MIN_CHANNELS = 16;

    private ConvWinograd() {}

    /** True for the convolutions and poolings this kernel computes (on this machine). */
    static boolean suits(ConvGeometry g, int size, Activation act) {
        return GemmGatheredMicroKernel.AVAILABLE && g.c() >= MIN_CHANNELS && size == 2 && g.kh() == 5 && g.kw() == 5 && g.stride() == 1
                && g.oh() % 2 == 0 && g.ow() % 2 == 0 && act.appliesInRegister();
    }

    private static int paddedChannels(int c) {
        return Gemm.ceilDiv(c, VL) * VL;
    }

    /**
     * The filters transformed, U = G g G^T for each filter and channel, laid out as the micro-kernel's
     * B panels: [point][sliver][c][NR] (zero past f). Computed in double, rounded once.
     */
    static float[] transformWeights(ConvGeometry g, float[] w) {
        int c = g.c(), f = g.f(), slivers = Gemm.ceilDiv(f, NR);
        float[] u = new float[POINTS * slivers * c * NR];
        double[] gg = new double[T * 5];
        for (int filter = 0; filter < f; filter++) {
            int sliver = filter / NR, lane = filter % NR;
            for (int ch = 0; ch < c; ch++) {
                int at = (filter * c + ch) * 25;
                for (int i = 0; i < T; i++) {       // gg = G g (6 x 5)
                    for (int kx = 0; kx < 5; kx++) {
                        double sum = 0;
                        for (int ky = 0; ky < 5; ky++) sum += G[i][ky] * w[at + ky * 5 + kx];
                        gg[i * 5 + kx] = sum;
                    }
                }
                for (int i = 0; i < T; i++) {       // U = gg G^T (6 x 6)
                    for (int j = 0; j < T; j++) {
                        double sum = 0;
                        for (int kx = 0; kx < 5; kx++) sum += gg[i * 5 + kx] * G[j][kx];
                        u[(((i * T + j) * slivers + sliver) * c + ch) * NR + lane] = (float) sum;
                    }
                }
            }
        }
        return u;
    }

    /**
     * pooled[image][f][ty][tx] = max over the 2 x 2 window of act(conv(x, w) + bias) for the tiles (pooling
     * windows) [firstTile, endTile) of the batch, numbered image by image: tiles of consecutive images
     * share GEMM row blocks, so an image of 7 x 7 tiles wastes no rows. u from {@link #transformWeights}.
     */
    static void forwardTiles(ConvGeometry g, float[] x, float[] u, float[] bias, Activation act, float[] pooled, int firstTile,
                             int endTile) {
        int c = g.c(), f = g.f(), cp = paddedChannels(c), slivers = Gemm.ceilDiv(f, NR), fp = slivers * NR;
        PaddedImage pad = PaddedImage.of(g);
        int cols = pad.cols(), tw = g.ow() / 2, tiles = (g.oh() / 2) * tw, pooledSize = f * tiles;
        float[] bordered = IMAGE.atLeast(pad.rows() * cols * cp);
        int vAt = 0, mAt = vAt + POINTS * ROWS * cp, rowsAt = mAt + POINTS * fp * ROWS, spillAt = rowsAt + ROWS * fp;
        float[] work = WORK.atLeast(spillAt + T * T * VL);
        int[] channels = CHANNELS.computeIfAbsent(c, k -> java.util.stream.IntStream.range(0, k).toArray());
        int[] rowOffsets = ROW_OFFSETS.computeIfAbsent(cp, k -> {
            int[] offsets = new int[POINTS * ROWS];
            for (int i = 0; i < offsets.length; i++) offsets[i] = i * k;
            return offsets;
        });
        int held = -1; // the image bordered now holds
        for (int t0 = firstTile; t0 < endTile; t0 += ROWS) {
            int rows = Math.min(ROWS, endTile - t0);
            for (int r = 0; r < rows; r++) {
                int image = (t0 + r) / tiles, t = (t0 + r) % tiles, top = (t / tw) * 2, left = (t % tw) * 2;
                if (image != held) {
                    channelsLast(g, pad, x, image * g.imageSize(), cp, bordered);
                    held = image;
                }
                for (int c0 = 0; c0 < cp; c0 += VL) {
                    transformInput(bordered, (top * cols + left) * cp + c0, cols * cp, cp, work, spillAt, work, vAt + r * cp + c0, ROWS * cp);
                }
            }
            for (int point = 0; point < POINTS; point++) {
                for (int sliver = 0; sliver < slivers; sliver++) {
                    GemmGatheredMicroKernel.multiply(work, channels, rowOffsets, point * ROWS, rows, u, (point * slivers + sliver) * c * NR, c,
                            work, mAt + (point * slivers + sliver) * ROWS * NR);
                }
            }
            for (int r = 0; r < rows; r++) {
                for (int f0 = 0; f0 < fp; f0 += VL) {
                    int m = mAt + ((f0 / NR) * ROWS + r) * NR + f0 % NR;
                    pool(work, m, slivers * ROWS * NR, bias, f0, f, act, work, rowsAt + r * fp + f0);
                }
                int image = (t0 + r) / tiles, out = image * pooledSize + (t0 + r) % tiles, from = rowsAt + r * fp;
                for (int filter = 0; filter < f; filter++) {
                    pooled[out + filter * tiles] = work[from + filter];
                }
            }
        }
    }

    /** The zero-bordered image, channels last: image[(row * cols + col) * cp + ch]. */
    private static void channelsLast(ConvGeometry g, PaddedImage pad, float[] x, int xOff, int cp, float[] image) {
        int cols = pad.cols();
        Arrays.fill(image, 0, pad.rows() * cols * cp, 0f);
        for (int ch = 0; ch < g.c(); ch++) {
            for (int iy = 0; iy < g.h(); iy++) {
                int row = iy + g.padTop();
                if (row < 0 || row >= pad.rows()) continue;
                int from = xOff + (ch * g.h() + iy) * g.w();
                for (int ix = 0; ix < g.w(); ix++) {
                    int col = ix + g.padLeft();
                    if (col >= 0 && col < cols) image[(row * cols + col) * cp + ch] = x[from + ix];
                }
            }
        }
    }

    /**
     * V = B^T d B for one tile and a vector of channels: d[i][j] at src[at + i * rowStride + j * colStride],
     * V[point] to dst[dstAt + point * pointStride]; spill holds B^T d (6 x 6 vectors) in between.
     */
    private static void transformInput(float[] src, int at, int rowStride, int colStride, float[] spill, int spillAt, float[] dst,
                                       int dstAt, int pointStride) {
        for (int j = 0; j < T; j++) { // B^T along the rows of d, column j
            int a = at + j * colStride;
            FloatVector z0 = FloatVector.fromArray(S, src, a), z1 = FloatVector.fromArray(S, src, a + rowStride);
            FloatVector z2 = FloatVector.fromArray(S, src, a + 2 * rowStride), z3 = FloatVector.fromArray(S, src, a + 3 * rowStride);
            FloatVector z4 = FloatVector.fromArray(S, src, a + 4 * rowStride), z5 = FloatVector.fromArray(S, src, a + 5 * rowStride);
            int o = spillAt + j * VL;
            z0.mul(4f).add(z4).sub(z2.mul(5f)).intoArray(spill, o);
            z3.add(z4).sub(z1.add(z2).mul(4f)).intoArray(spill, o + T * VL);
            z4.sub(z3).add(z1.sub(z2).mul(4f)).intoArray(spill, o + 2 * T * VL);
            z4.sub(z2).add(z3.sub(z1).mul(2f)).intoArray(spill, o + 3 * T * VL);
            z4.sub(z2).add(z1.sub(z3).mul(2f)).intoArray(spill, o + 4 * T * VL);
            z1.mul(4f).add(z5).sub(z3.mul(5f)).intoArray(spill, o + 5 * T * VL);
        }
        for (int i = 0; i < T; i++) { // B along the columns, row i of B^T d
            int a = spillAt + i * T * VL;
            FloatVector z0 = FloatVector.fromArray(S, spill, a), z1 = FloatVector.fromArray(S, spill, a + VL);
            FloatVector z2 = FloatVector.fromArray(S, spill, a + 2 * VL), z3 = FloatVector.fromArray(S, spill, a + 3 * VL);
            FloatVector z4 = FloatVector.fromArray(S, spill, a + 4 * VL), z5 = FloatVector.fromArray(S, spill, a + 5 * VL);
            int o = dstAt + i * T * pointStride;
            z0.mul(4f).add(z4).sub(z2.mul(5f)).intoArray(dst, o);
            z3.add(z4).sub(z1.add(z2).mul(4f)).intoArray(dst, o + pointStride);
            z4.sub(z3).add(z1.sub(z2).mul(4f)).intoArray(dst, o + 2 * pointStride);
            z4.sub(z2).add(z3.sub(z1).mul(2f)).intoArray(dst, o + 3 * pointStride);
            z4.sub(z2).add(z1.sub(z3).mul(2f)).intoArray(dst, o + 4 * pointStride);
            z1.mul(4f).add(z5).sub(z3.mul(5f)).intoArray(dst, o + 5 * pointStride);
        }
    }

    /**
     * Y = A^T M A (the 2 x 2 outputs of one tile for a vector of filters, M[point] at m + point * pointStride),
     * bias and activation, then their maximum to out[outAt]. A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1].
     */
    private static void pool(float[] mBuf, int m, int pointStride, float[] bias, int f0, int f, Activation act, float[] out, int outAt) {
        FloatVector y00 = FloatVector.zero(S), y01 = y00, y10 = y00, y11 = y00;
        for (int j = 0; j < T; j++) {
            int a = m + j * pointStride;
            FloatVector m0 = FloatVector.fromArray(S, mBuf, a), m1 = FloatVector.fromArray(S, mBuf, a + T * pointStride);
            FloatVector m2 = FloatVector.fromArray(S, mBuf, a + 2 * T * pointStride), m3 = FloatVector.fromArray(S, mBuf, a + 3 * T * pointStride);
            FloatVector m4 = FloatVector.fromArray(S, mBuf, a + 4 * T * pointStride), m5 = FloatVector.fromArray(S, mBuf, a + 5 * T * pointStride);
            FloatVector s0 = m0.add(m1).add(m2).add(m3).add(m4);            // row 0 of A^T M, column j
            FloatVector s1 = m1.sub(m2).add(m3.sub(m4).mul(2f)).add(m5);    // row 1
            float first = j < 5 ? 1f : 0f, second = j == 0 ? 0f : j == 1 || j == 5 ? 1f : j == 2 ? -1f : j == 3 ? 2f : -2f;
            FloatVector a0 = FloatVector.broadcast(S, first), a1 = FloatVector.broadcast(S, second);
            y00 = s0.fma(a0, y00);
            y01 = s0.fma(a1, y01);
            y10 = s1.fma(a0, y10);
            y11 = s1.fma(a1, y11);
        }
        if (bias != null) {
            FloatVector b = FloatVector.fromArray(S, bias, f0, S.indexInRange(f0, f));
            y00 = y00.add(b);
            y01 = y01.add(b);
            y10 = y10.add(b);
            y11 = y11.add(b);
        }
        act.inRegister(y00).max(act.inRegister(y01)).max(act.inRegister(y10).max(act.inRegister(y11))).intoArray(out, outAt);
    }
}
