package dev.netc.kernels;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A shallow stride-1 convolution (the first layer of an image model) with its bias, a cheap activation
 * and 2 x 2 max pooling (and argmax) in registers: the full-size activation is never stored, and the
 * pooling needs no lane shuffles.
 *
 * <p>How: the zero-bordered image is split into its even and odd columns. An even output column 2j
 * under tap kx reads padded column 2j + kx, i.e. column j + kx / 2 of the plane of parity kx, and an
 * odd one column j + (kx + 1) / 2 of the other plane; so the even and the odd outputs of an output row
 * are each a plain vector load per tap. A register tile is a few filters x one output row x VL even and VL odd
 * columns, run for the window's upper row and then its lower one, into a small buffer; the window's four cells
 * (a b / c d) are then four vectors, pooled lane by lane. Each output value sums its taps in order, one fma each, then
 * adds the bias, exactly as {@link ConvRowKernel} does; the activation comes after the compares, which gives
 * the maxima and argmax of {@link PoolWindows} on activated values to the bit (see {@link #pool}).
 *
 * <p>Tiles: eight filters (sixteen accumulators) with 32 vector registers, five (ten) with sixteen. A tile of both
 * rows loads four image vectors per tap for its fmas where one row loads two. With sixteen registers the old tile of two
 * filters x both rows held eight accumulators, just the fmas a core keeps in flight, and C2 spilled some of them while it
 * loaded a filter row's image vectors ahead (44% of a core); six filters gain nothing. MNIST's conv1 forward on one Zen 5
 * core, alternating in one process, the same bits: as AVX2 code 2.06 -> 1.32 ms (five filters x one row against two x
 * both), as AVX-512 code 0.69 -> 0.63 (eight x one row against four x both).
 */
final class ConvPooledRows {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** VL bytes for the argmax ({@link Vectors#LANE_BYTES}; null with 4-float vectors, where this kernel does not run). */
    private static final VectorSpecies<Byte> BYTES = Vectors.LANE_BYTES;
    /** Filters per register tile of one output row: eight with 32 registers (sixteen accumulators), five with 16 (ten). */
    private static final int FILTERS = VL >= 16 ? 8 : 5;

    private static final Scratch PACKED_WEIGHTS = new Scratch();
    private static final Scratch PLANES = new Scratch();
    private static final Scratch CELLS = new Scratch();
    /** A last row's pooled values and argmax on their way out (see {@link #pool}). */
    private static final Scratch SPILL = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);
    private static final java.util.concurrent.ConcurrentHashMap<ConvGeometry, int[][]> TAPS = new java.util.concurrent.ConcurrentHashMap<>();

    private ConvPooledRows() {}

    /** True for the convolutions and poolings this kernel computes. */
    static boolean suits(ConvGeometry g, int size, Activation act) {
        return BYTES != null && size == 2 && g.stride() == 1 && g.patchSize() <= 64 && g.oh() % 2 == 0 && g.ow() % 2 == 0
                && act.appliesInRegister();
    }

    /** The weights as groups of FILTERS filters, [f / FILTERS][patch][FILTERS] (zero past f), in a caller-thread scratch. */
    static float[] packWeights(ConvGeometry g, float[] w) {
        int patch = g.patchSize(), groups = Gemm.ceilDiv(g.f(), FILTERS);
        float[] packed = PACKED_WEIGHTS.atLeast(groups * patch * FILTERS);
        for (int group = 0; group < groups; group++) {
            for (int i = 0; i < FILTERS; i++) {
                int filter = group * FILTERS + i;
                for (int p = 0; p < patch; p++) {
                    packed[(group * patch + p) * FILTERS + i] = filter < g.f() ? w[filter * patch + p] : 0f;
                }
            }
        }
        return packed;
    }

    /**
     * pooled = max_pool(act(conv(x, weights) + bias)) over 2 x 2 windows and argmax (null: not wanted), for the n
     * images: whole images per task when the batch fills the cores, else bands of pooled rows.
     */
    static void forward(int n, ConvGeometry g, float[] x, float[] weights, float[] bias, Activation act, float[] pooled,
                        byte[] argmax) {
        Call call = CALLS.acquire();
        try {
            call.g = g;
            call.pad = PaddedImage.of(g); // once per call, not per image
            call.x = x;
            call.packed = packWeights(g, weights);
            call.bias = bias;
            call.act = act;
            call.pooled = pooled;
            call.argmax = argmax;
            int pooledRows = g.oh() / 2;
            call.bands = ConvFrame.partsPerImage(n, pooledRows);
            call.rowsPerBand = Gemm.ceilDiv(pooledRows, call.bands);
            Parallel.forRange(n * call.bands, call);
        } finally {
            CALLS.release(call);
        }
    }

    /** One forward pass's arguments; task t is band t % bands of image t / bands (a per-thread frame, see {@link CallFrames}). */
    private static final class Call implements java.util.function.IntConsumer, CallFrames.Frame {
        ConvGeometry g;
        PaddedImage pad;
        float[] x, packed, bias, pooled;
        Activation act;
        byte[] argmax;
        int bands, rowsPerBand;

        @Override
        public void accept(int task) {
            int image = task / bands, first = (task % bands) * rowsPerBand, pooledRows = g.oh() / 2;
            forwardImage(g, pad, x, image * g.imageSize(), packed, bias, act, pooled, argmax, image * g.f() * pooledRows * (g.ow() / 2),
                    first, Math.min(pooledRows, first + rowsPerBand));
        }

        @Override
        public void clear() {
            x = packed = bias = pooled = null;
            argmax = null;
        }
    }

    /** Floats of one image's even and odd column planes (each [c][rows][half]), plus a vector of slack for the last loads. */
    private static int planesSize(ConvGeometry g, PaddedImage pad) {
        return 2 * g.c() * pad.rows() * half(pad) + 2 * VL;
    }

    private static int half(PaddedImage pad) {
        return (pad.cols() + 1) / 2;
    }

    /**
     * Pooled rows [firstRow, endRow) of one image: pooled[f][py][px] (at pooledOff) = the max over each 2 x 2
     * window of act(conv(x, w) + bias), argmax (null: not wanted) its cell (0 a, 1 b, 2 c, 3 d).
     *
     * @param pad {@link PaddedImage#of} g
     * @param packed the weights of {@link #packWeights}
     */
    static void forwardImage(ConvGeometry g, PaddedImage pad, float[] x, int xOff, float[] packed, float[] bias, Activation act,
                             float[] pooled, byte[] argmax, int pooledOff, int firstRow, int endRow) {
        int half = half(pad);
        float[] planes = PLANES.atLeast(planesSize(g, pad));
        float[] cells = CELLS.atLeast(4 * FILTERS * VL);
        split(g, pad, x, xOff, planes);
        int[][] taps = TAPS.get(g); // called per image: a lookup that allocates nothing (the lambda below captures pad)
        if (taps == null) taps = TAPS.computeIfAbsent(g, key -> tapOffsets(key, pad));
        int ph = g.oh() / 2, pw = g.ow() / 2, patch = g.patchSize();
        for (int group = 0; group < Gemm.ceilDiv(g.f(), FILTERS); group++) {
            for (int py = firstRow; py < endRow; py++) {
                for (int px = 0; px < pw; px += VL) {
                    int out = pooledOff + (group * FILTERS * ph + py) * pw + px;
                    int base = 2 * py * half + px, wOff = group * patch * FILTERS;
                    if (FILTERS == 8) { // the window's upper output row, then its lower one
                        rowTileOfEight(planes, taps[0], taps[1], base, packed, wOff, patch, cells, 0);
                        rowTileOfEight(planes, taps[0], taps[1], base + half, packed, wOff, patch, cells, 2 * VL);
                    } else {
                        rowTileOfFive(planes, taps[0], taps[1], base, packed, wOff, patch, cells, 0);
                        rowTileOfFive(planes, taps[0], taps[1], base + half, packed, wOff, patch, cells, 2 * VL);
                    }
                    // pooled here, not in tile: inlined there, the vector operations went past C2's budget and were boxed.
                    // A row's last vector is stored whole when this task writes the next row later and the lanes past
                    // the row fit in it: they land on that row's first columns, which are then overwritten (no masked
                    // stores, which AVX2 does not have for bytes)
                    int lanes = py + 1 < endRow && px + VL <= 2 * pw ? VL : Math.min(VL, pw - px);
                    pool(cells, bias, group * FILTERS, Math.min(FILTERS, g.f() - group * FILTERS), act, pooled, argmax, out, ph * pw, lanes);
                }
            }
        }
    }

    /** The even and odd column planes of the zero-bordered image: padded (ch, r, col) at ((col & 1) * c * rows + ch * rows + r) * half + col / 2. */
    private static void split(ConvGeometry g, PaddedImage pad, float[] x, int xOff, float[] planes) {
        int rows = pad.rows(), half = half(pad), c = g.c();
        Arrays.fill(planes, 0, planesSize(g, pad), 0f);
        int odd = c * rows * half;
        for (int ch = 0; ch < c; ch++) {
            for (int iy = 0; iy < g.h(); iy++) {
                int r = iy + g.padTop();
                if (r < 0 || r >= rows) continue;
                int row = (ch * rows + r) * half, from = xOff + (ch * g.h() + iy) * g.w();
                for (int ix = 0; ix < g.w(); ix++) {
                    int col = ix + g.padLeft();
                    if (col < 0 || col >= pad.cols()) continue;
                    planes[((col & 1) == 0 ? 0 : odd) + row + (col >> 1)] = x[from + ix];
                }
            }
        }
    }

    /** For each tap (ch, ky, kx): where an even output column 0 reads it ([0]) and an odd one ([1]), in the split planes. */
    private static int[][] tapOffsets(ConvGeometry g, PaddedImage pad) {
        int rows = pad.rows(), half = half(pad), odd = g.c() * rows * half;
        int[] even = new int[g.patchSize()], oddOut = new int[g.patchSize()];
        int p = 0;
        for (int ch = 0; ch < g.c(); ch++) {
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++, p++) {
                    int row = (ch * rows + ky) * half;
                    even[p] = ((kx & 1) == 0 ? 0 : odd) + row + kx / 2;          // padded column 2j + kx
                    oddOut[p] = ((kx & 1) == 0 ? odd : 0) + row + (kx + 1) / 2;  // padded column 2j + 1 + kx
                }
            }
        }
        return new int[][] {even, oddOut};
    }

    /**
     * Eight filters x one output row (base: where the row's even and odd outputs read tap 0's offset) x VL even and VL
     * odd columns, stored into cells as [filter][4 VL] from at: the window's a and b (at 0) or c and d (at 2 VL).
     * Sixteen accumulators, two image vectors and a broadcast; each sum runs over the taps in order, one fma each.
     */
    private static void rowTileOfEight(float[] planes, int[] evenTaps, int[] oddTaps, int base, float[] packed, int wOff, int patch,
                                       float[] cells, int at) {
        FloatVector e0 = FloatVector.zero(S), o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0;
        FloatVector e4 = e0, o4 = e0, e5 = e0, o5 = e0, e6 = e0, o6 = e0, e7 = e0, o7 = e0;
        for (int p = 0; p < patch; p++) {
            FloatVector even = FloatVector.fromArray(S, planes, evenTaps[p] + base);
            FloatVector odd = FloatVector.fromArray(S, planes, oddTaps[p] + base);
            int wi = wOff + p * FILTERS;
            FloatVector w = FloatVector.broadcast(S, packed[wi]);
            e0 = w.fma(even, e0); o0 = w.fma(odd, o0);
            w = FloatVector.broadcast(S, packed[wi + 1]);
            e1 = w.fma(even, e1); o1 = w.fma(odd, o1);
            w = FloatVector.broadcast(S, packed[wi + 2]);
            e2 = w.fma(even, e2); o2 = w.fma(odd, o2);
            w = FloatVector.broadcast(S, packed[wi + 3]);
            e3 = w.fma(even, e3); o3 = w.fma(odd, o3);
            w = FloatVector.broadcast(S, packed[wi + 4]);
            e4 = w.fma(even, e4); o4 = w.fma(odd, o4);
            w = FloatVector.broadcast(S, packed[wi + 5]);
            e5 = w.fma(even, e5); o5 = w.fma(odd, o5);
            w = FloatVector.broadcast(S, packed[wi + 6]);
            e6 = w.fma(even, e6); o6 = w.fma(odd, o6);
            w = FloatVector.broadcast(S, packed[wi + 7]);
            e7 = w.fma(even, e7); o7 = w.fma(odd, o7);
        }
        // stored: a call taking vectors would box them
        e0.intoArray(cells, at); o0.intoArray(cells, at + VL);
        e1.intoArray(cells, at + 4 * VL); o1.intoArray(cells, at + 5 * VL);
        e2.intoArray(cells, at + 8 * VL); o2.intoArray(cells, at + 9 * VL);
        e3.intoArray(cells, at + 12 * VL); o3.intoArray(cells, at + 13 * VL);
        e4.intoArray(cells, at + 16 * VL); o4.intoArray(cells, at + 17 * VL);
        e5.intoArray(cells, at + 20 * VL); o5.intoArray(cells, at + 21 * VL);
        e6.intoArray(cells, at + 24 * VL); o6.intoArray(cells, at + 25 * VL);
        e7.intoArray(cells, at + 28 * VL); o7.intoArray(cells, at + 29 * VL);
    }

    /**
     * Five filters x one output row (base: where the row's even and odd outputs read tap 0's offset) x VL even and VL
     * odd columns, stored into cells as [filter][4 VL] from at: the window's a and b (at 0) or c and d (at 2 VL).
     * Ten accumulators, two image vectors and a broadcast in sixteen registers; each sum runs over the taps in order, as
     * {@link #rowTileOfEight}'s.
     */
    private static void rowTileOfFive(float[] planes, int[] evenTaps, int[] oddTaps, int base, float[] packed, int wOff, int patch,
                                      float[] cells, int at) {
        FloatVector e0 = FloatVector.zero(S), o0 = e0, e1 = e0, o1 = e0, e2 = e0, o2 = e0, e3 = e0, o3 = e0, e4 = e0, o4 = e0;
        for (int p = 0; p < patch; p++) {
            FloatVector even = FloatVector.fromArray(S, planes, evenTaps[p] + base);
            FloatVector odd = FloatVector.fromArray(S, planes, oddTaps[p] + base);
            int wi = wOff + p * FILTERS;
            FloatVector w = FloatVector.broadcast(S, packed[wi]);
            e0 = w.fma(even, e0); o0 = w.fma(odd, o0);
            w = FloatVector.broadcast(S, packed[wi + 1]);
            e1 = w.fma(even, e1); o1 = w.fma(odd, o1);
            w = FloatVector.broadcast(S, packed[wi + 2]);
            e2 = w.fma(even, e2); o2 = w.fma(odd, o2);
            w = FloatVector.broadcast(S, packed[wi + 3]);
            e3 = w.fma(even, e3); o3 = w.fma(odd, o3);
            w = FloatVector.broadcast(S, packed[wi + 4]);
            e4 = w.fma(even, e4); o4 = w.fma(odd, o4);
        }
        e0.intoArray(cells, at); o0.intoArray(cells, at + VL);
        e1.intoArray(cells, at + 4 * VL); o1.intoArray(cells, at + 5 * VL);
        e2.intoArray(cells, at + 8 * VL); o2.intoArray(cells, at + 9 * VL);
        e3.intoArray(cells, at + 12 * VL); o3.intoArray(cells, at + 13 * VL);
        e4.intoArray(cells, at + 16 * VL); o4.intoArray(cells, at + 17 * VL);
    }

    /**
     * For each of count filters from filter0 (cells [filter][a b c d][VL], outputs planeStride apart from out): bias on the
     * window's four cells, their max (a later cell wins only when strictly greater) and its cell, then the activation on
     * the max alone. max(x, floor) keeps the order of the cells above the floor and makes all the others equal, so pooling
     * first gives the same maximum, and the same cell once a window whose best is at or below the floor (every cell then
     * equal after the activation) takes its first; NaN cells lose every comparison either way. Three fewer {@code max},
     * each several instructions for Java's NaN and signed-zero rules (conv1's forward 2-3% faster), and one call for the
     * tile's filters with the store's case settled before the loop (5-13%, one Zen 5 core, either vector width).
     */
    private static void pool(float[] cells, float[] bias, int filter0, int count, Activation act, float[] pooled, byte[] argmax,
                             int out, int planeStride, int lanes) {
        int last = out + (count - 1) * planeStride;
        // the last row: a masked store reaching past the array's end takes the JIT's allocating slow path, so it and AVX2's
        // bytes (no masked byte store) go through the spill
        boolean inside = last + VL <= pooled.length && (argmax == null || last + VL <= argmax.length);
        boolean whole = inside && lanes == VL;
        VectorMask<Float> live = S.indexInRange(0, lanes);
        VectorMask<Byte> liveBytes = Vectors.MASKED_BYTE_STORES ? BYTES.indexInRange(0, lanes) : null;
        float[] spill = whole ? null : SPILL.atLeast(2 * VL);
        float floor = act.inRegisterFloor();
        for (int i = 0; i < count; i++) {
            int at = 4 * i * VL, o = out + i * planeStride;
            float add = bias == null ? -0f : bias[filter0 + i]; // straight-line vector code: see Activation#inRegisterFloor
            FloatVector a = FloatVector.fromArray(S, cells, at).add(add), b = FloatVector.fromArray(S, cells, at + VL).add(add);
            FloatVector c = FloatVector.fromArray(S, cells, at + 2 * VL).add(add), d = FloatVector.fromArray(S, cells, at + 3 * VL).add(add);
            FloatVector best = a;
            FloatVector position = FloatVector.zero(S);
            VectorMask<Float> wins = b.compare(VectorOperators.GT, best);
            best = best.blend(b, wins);
            position = position.blend(1f, wins);
            wins = c.compare(VectorOperators.GT, best);
            best = best.blend(c, wins);
            position = position.blend(2f, wins);
            wins = d.compare(VectorOperators.GT, best);
            best = best.blend(d, wins);
            position = position.blend(3f, wins);
            position = position.blend(0f, best.compare(VectorOperators.LE, floor));
            best = best.max(floor);
            if (whole) {
                best.intoArray(pooled, o);
                if (argmax != null) ((ByteVector) position.convertShape(VectorOperators.F2B, BYTES, 0)).intoArray(argmax, o);
                continue;
            }
            if (inside) {
                best.intoArray(pooled, o, live);
            } else {
                best.intoArray(spill, 0);
                for (int l = 0; l < lanes; l++) pooled[o + l] = spill[l];
            }
            if (argmax == null) continue;
            if (inside && liveBytes != null) {
                ((ByteVector) position.convertShape(VectorOperators.F2B, BYTES, 0)).intoArray(argmax, o, liveBytes);
            } else {
                position.intoArray(spill, VL);
                for (int l = 0; l < lanes; l++) argmax[o + l] = (byte) spill[VL + l];
            }
        }
    }
}
