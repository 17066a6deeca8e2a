package dev.netc.kernels;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling over windows that tile an image (stride = size, no padding) with the argmax kept as
 * the window position ky * size + kx of the first strict maximum (row-major window order, the rule
 * of {@link Pooling#maxPoolGrad} and the float64 reference), and its inverse: the pooled gradient
 * expanded back to the image, dy at each argmax and zero elsewhere. Both work on one image that is
 * still in cache: the pooled convolution ({@link ConvPooled}) calls them on the image it just
 * computed or is about to read.
 */
final class PoolWindows {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = S.length();
    /** 2 x 2 windows per vector step: each covers two lanes of a row. */
    private static final int HALF = VL / 2;
    /** The vector forms need a byte species of VL lanes (8 or more floats per vector); else the scalar loops run. */
    private static final boolean VECTORS = Vectors.LANE_BYTES != null;
    private static final VectorSpecies<Byte> BYTES = Vectors.LANE_BYTES;
    /** Lane i takes lane 2i (the window's left column; lanes past VL / 2 repeat and are never stored). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> (2 * i) % VL);
    /** Lane i takes lane 2i + 1 (the right column). */
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> (2 * i + 1) % VL);
    /** Lane i takes lane i / 2: each window's value for both its columns. */
    private static final VectorShuffle<Float> SPREAD = VectorShuffle.fromOp(S, i -> i / 2);
    /** Lane i takes lane VL / 2 + i / 2: the second half of the windows, each for both its columns. */
    private static final VectorShuffle<Float> SPREAD_UPPER = VectorShuffle.fromOp(S, i -> HALF + i / 2);
    private static final FloatVector ZERO = FloatVector.zero(S);
    /**
     * By windows w in a step (1 .. HALF): the lanes of the 2w cells read, of the w maxima and of the w argmax bytes
     * written. Made once rather than per step, so the hot loops make no mask objects for the JIT to remove.
     */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] CELLS = new VectorMask[HALF + 1], WINDOWS = new VectorMask[HALF + 1];
    @SuppressWarnings("unchecked")
    private static final VectorMask<Byte>[] WINDOW_BYTES = new VectorMask[HALF + 1];

    static {
        for (int w = 0; w <= HALF; w++) {
            CELLS[w] = S.indexInRange(0, 2 * w);
            WINDOWS[w] = S.indexInRange(0, w);
            WINDOW_BYTES[w] = VECTORS ? BYTES.indexInRange(0, w) : null;
        }
    }
    /** The argmax of the upper cell of each lane's column: 0, 1, 0, 1, ... */
    private static final FloatVector COLUMN = FloatVector.fromArray(S, columns(0), 0);
    /** The argmax of the lower cell: 2, 3, 2, 3, ... */
    private static final FloatVector COLUMN_BELOW = FloatVector.fromArray(S, columns(2), 0);

    private PoolWindows() {}

    private static float[] columns(int first) {
        float[] lanes = new float[VL];
        for (int i = 0; i < VL; i++) lanes[i] = first + (i & 1);
        return lanes;
    }

    /**
     * pooled[pooledOff..] and argmax[pooledOff..] (may be null) of the planes x [planes][h][w] from
     * xOff; h and w are multiples of size.
     */
    static void pool(float[] x, int xOff, int planes, int h, int w, int size, float[] pooled, byte[] argmax, int pooledOff) {
        if (size == 2 && VECTORS) {
            pool2x2(x, xOff, planes, h, w, pooled, argmax, pooledOff);
        } else {
            poolScalar(x, xOff, planes, h, w, size, pooled, argmax, pooledOff);
        }
    }

    /** {@link #pool} one window at a time: any size, and the reference of the vector form. */
    static void poolScalar(float[] x, int xOff, int planes, int h, int w, int size, float[] pooled, byte[] argmax, int pooledOff) {
        int oh = h / size, ow = w / size;
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int out = pooledOff + (plane * oh + oy) * ow;
                int rowStart = xOff + (plane * h + oy * size) * w;
                for (int ox = 0; ox < ow; ox++) {
                    int at = rowStart + ox * size;
                    float best = x[at];
                    int position = 0;
                    for (int ky = 0; ky < size; ky++) {
                        for (int kx = 0; kx < size; kx++) {
                            float v = x[at + ky * w + kx];
                            if (v > best) { // strict: a tie keeps the first maximum
                                best = v;
                                position = ky * size + kx;
                            }
                        }
                    }
                    pooled[out + ox] = best;
                    if (argmax != null) {
                        argmax[out + ox] = (byte) position;
                    }
                }
            }
        }
    }

    /**
     * {@link #pool} for 2 x 2 windows, VL / 2 windows per step: the two rows of a band are loaded as
     * vectors, split into their even and odd columns by lane shuffles, and the window's first strict
     * maximum found by compares and blends. No data-dependent branch: on activations the winner is a
     * coin toss, and scalar branches mispredicted so often that pooling took twice the convolution's time.
     */
    private static void pool2x2(float[] x, int xOff, int planes, int h, int w, float[] pooled, byte[] argmax, int pooledOff) {
        int oh = h / 2, ow = w / 2;
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int out = pooledOff + (plane * oh + oy) * ow;
                int top = xOff + (plane * h + oy * 2) * w;
                for (int ox = 0; ox < ow; ox += HALF) {
                    int windows = Math.min(HALF, ow - ox);
                    if (top + w + 2 * ox + VL > x.length || out + ox + VL > pooled.length
                            || argmax != null && out + ox + VL > argmax.length) {
                        poolWindowsScalar(x, top + 2 * ox, w, windows, pooled, argmax, out + ox);
                        continue;
                    }
                    VectorMask<Float> cells = CELLS[windows];
                    FloatVector upper = FloatVector.fromArray(S, x, top + 2 * ox, cells);
                    FloatVector lower = FloatVector.fromArray(S, x, top + w + 2 * ox, cells);
                    // window order: a b / c d; a later cell wins only when strictly greater
                    FloatVector best = upper.rearrange(EVEN);
                    FloatVector position = ZERO;
                    FloatVector b = upper.rearrange(ODD);
                    VectorMask<Float> wins = b.compare(VectorOperators.GT, best);
                    best = best.blend(b, wins);
                    position = position.blend(1f, wins);
                    FloatVector c = lower.rearrange(EVEN);
                    wins = c.compare(VectorOperators.GT, best);
                    best = best.blend(c, wins);
                    position = position.blend(2f, wins);
                    FloatVector d = lower.rearrange(ODD);
                    wins = d.compare(VectorOperators.GT, best);
                    best = best.blend(d, wins);
                    position = position.blend(3f, wins);
                    best.intoArray(pooled, out + ox, WINDOWS[windows]);
                    if (argmax != null && Vectors.MASKED_BYTE_STORES) {
                        ((ByteVector) position.convertShape(VectorOperators.F2B, BYTES, 0))
                                .intoArray(argmax, out + ox, WINDOW_BYTES[windows]);
                    } else if (argmax != null) { // no masked byte store (AVX2): byte by byte
                        float[] spill = POSITIONS.atLeast(VL);
                        position.intoArray(spill, 0);
                        for (int q = 0; q < windows; q++) argmax[out + ox + q] = (byte) spill[q];
                    }
                }
            }
        }
    }

    /**
     * {@link #pool2x2}'s step for windows whose vectors would reach past an array's end (an image's last row): a masked
     * access there leaves the JIT's vector code for a slow path that allocates. The same maxima and argmax, window by window.
     */
    private static void poolWindowsScalar(float[] x, int at, int w, int windows, float[] pooled, byte[] argmax, int out) {
        for (int q = 0; q < windows; q++, at += 2) {
            float best = x[at];
            int position = 0;
            if (x[at + 1] > best) { best = x[at + 1]; position = 1; } // strict: a tie keeps the first maximum
            if (x[at + w] > best) { best = x[at + w]; position = 2; }
            if (x[at + w + 1] > best) { best = x[at + w + 1]; position = 3; }
            pooled[out + q] = best;
            if (argmax != null) argmax[out + q] = (byte) position;
        }
    }

    private static final Scratch POOLED_ROWS = new Scratch();
    /** A last row's gradient and argmax, copied where a vector may read them whole (see {@link #expandRows2x2}). */
    private static final Scratch TAIL_VALUES = new Scratch();
    /** A step's argmax cells on their way out byte by byte, where there is no masked byte store ({@link Vectors#MASKED_BYTE_STORES}). */
    private static final Scratch POSITIONS = new Scratch();

    /** Whether {@link #pool2x2ChannelsLast} runs here (vectors of 8 floats or more). */
    static boolean poolsChannelsLast() {
        return VECTORS;
    }

    /**
     * {@link #pool} for 2 x 2 windows of one image stored channels last, x[pos * ld + plane] for
     * positions of an h x w plane (ld >= planes, a multiple of VL): the four cells of a window are four
     * vectors over the planes, pooled lane by lane (the first strict maximum, as {@link #pool2x2}), with no
     * shuffles. The pooled values and argmax are then transposed into the planar output.
     */
    static void pool2x2ChannelsLast(float[] x, int ld, int planes, int h, int w, float[] pooled, byte[] argmax, int pooledOff) {
        int oh = h / 2, ow = w / 2, windows = oh * ow;
        float[] rows = POOLED_ROWS.atLeast(2 * windows * ld); // [window][ld] maxima, then [window][ld] argmax (when wanted)
        int positionsAt = windows * ld;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int window = oy * ow + ox;
                int a = (2 * oy * w + 2 * ox) * ld, c = a + w * ld;
                for (int lane = 0; lane < ld; lane += VL) {
                    // window order: a b / c d; a later cell wins only when strictly greater
                    FloatVector best = FloatVector.fromArray(S, x, a + lane);
                    FloatVector position = ZERO;
                    FloatVector v = FloatVector.fromArray(S, x, a + ld + lane);
                    VectorMask<Float> wins = v.compare(VectorOperators.GT, best);
                    best = best.blend(v, wins);
                    position = position.blend(1f, wins);
                    v = FloatVector.fromArray(S, x, c + lane);
                    wins = v.compare(VectorOperators.GT, best);
                    best = best.blend(v, wins);
                    position = position.blend(2f, wins);
                    v = FloatVector.fromArray(S, x, c + ld + lane);
                    wins = v.compare(VectorOperators.GT, best);
                    best = best.blend(v, wins);
                    position = position.blend(3f, wins);
                    best.intoArray(rows, window * ld + lane);
                    if (argmax != null) { // inference wants the maxima only
                        position.intoArray(rows, positionsAt + window * ld + lane);
                    }
                }
            }
        }
        for (int plane = 0; plane < planes; plane++) {
            int out = pooledOff + plane * windows;
            for (int window = 0; window < windows; window++) {
                pooled[out + window] = rows[window * ld + plane];
            }
            if (argmax != null) {
                for (int window = 0; window < windows; window++) {
                    argmax[out + window] = (byte) rows[positionsAt + window * ld + plane];
                }
            }
        }
    }

    /** {@link #expand} for 2 x 2 windows: each band's two rows written whole, dy where the argmax points, else zero. */
    private static void expand2x2(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, float[] dst, int dstOff,
                                  int rowStride, int planeStride) {
        for (int plane = 0; plane < planes; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                int in = dyOff + (plane * oh + oy) * ow;
                int top = dstOff + plane * planeStride + oy * 2 * rowStride;
                for (int ox = 0; ox < ow; ox += HALF) {
                    int windows = Math.min(HALF, ow - ox);
                    if (in + ox + VL > dy.length || in + ox + VL > argmax.length || top + rowStride + 2 * ox + VL > dst.length) {
                        // past an array's end (see poolWindowsScalar): window by window
                        for (int q = ox; q < ox + windows; q++) {
                            float g = dy[in + q];
                            int position = argmax[in + q], col = top + 2 * q;
                            dst[col] = position == 0 ? g : 0f;
                            dst[col + 1] = position == 1 ? g : 0f;
                            dst[col + rowStride] = position == 2 ? g : 0f;
                            dst[col + rowStride + 1] = position == 3 ? g : 0f;
                        }
                        continue;
                    }
                    FloatVector g = FloatVector.fromArray(S, dy, in + ox, WINDOWS[windows]).rearrange(SPREAD);
                    // all VL bytes (in bounds, checked above): the lanes past the windows reach only cells not stored, and
                    // a masked byte load is no instruction on AVX2 (C2 boxes it)
                    FloatVector at = ((FloatVector) ByteVector.fromArray(BYTES, argmax, in + ox)
                            .convertShape(VectorOperators.B2F, S, 0)).rearrange(SPREAD);
                    VectorMask<Float> cells = CELLS[windows];
                    ZERO.blend(g, at.compare(VectorOperators.EQ, COLUMN)).intoArray(dst, top + 2 * ox, cells);
                    ZERO.blend(g, at.compare(VectorOperators.EQ, COLUMN_BELOW)).intoArray(dst, top + rowStride + 2 * ox, cells);
                }
            }
        }
    }

    /**
     * dst [planes][oh * size][ow * size] from dstOff = dy of each window (from dyOff) at the cell its
     * argmax names, zero elsewhere.
     */
    static void expand(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst, int dstOff) {
        int w = ow * size;
        expand(dy, argmax, dyOff, planes, oh, ow, size, dst, dstOff, w, oh * size * w);
    }

    /**
     * {@link #expand} into rows {@code rowStride} floats apart and planes {@code planeStride} apart (a wider
     * layout); only each row's first ow * size floats are written.
     */
    static void expand(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst, int dstOff,
                       int rowStride, int planeStride) {
        if (size == 2 && VECTORS) {
            expand2x2(dy, argmax, dyOff, planes, oh, ow, dst, dstOff, rowStride, planeStride);
        } else {
            expandScalar(dy, argmax, dyOff, planes, oh, ow, size, dst, dstOff, rowStride, planeStride);
        }
    }

    /**
     * {@link #expand} into rows {@code rowStride} floats apart (rowStride >= ow * size) and planes
     * {@code planeStride} apart, each row written whole: zeros past its ow * size values, so a kernel that
     * reads whole rows needs no second pass to clear the gaps. Nothing past a plane's last row is written.
     */
    static void expandRows(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst, int dstOff,
                           int rowStride, int planeStride) {
        if (size == 2 && VECTORS && rowStride % VL == 0) {
            expandRows2x2(dy, argmax, dyOff, planes, oh, ow, dst, dstOff, rowStride, planeStride);
            return;
        }
        expand(dy, argmax, dyOff, planes, oh, ow, size, dst, dstOff, rowStride, planeStride);
        for (int plane = 0; plane < planes; plane++) {
            for (int row = 0; row < oh * size; row++) {
                int at = dstOff + plane * planeStride + row * rowStride;
                Arrays.fill(dst, at + ow * size, at + rowStride, 0f);
            }
        }
    }

    /**
     * {@link #expandRows} for 2 x 2 windows and rows of whole vectors: VL windows loaded at once, their
     * first and second halves spread over two vectors of each of the band's two rows (half the loads and
     * conversions of {@link #expand2x2}). The rows whose last vector would read past either array's end (the
     * batch's last rows at most) go through a zero-filled copy.
     */
    private static void expandRows2x2(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, float[] dst, int dstOff,
                                      int rowStride, int planeStride) {
        int rows = planes * oh;
        int reach = Gemm.ceilDiv(ow, VL) * VL; // floats a row's vectors read from its start
        // row r reads [dyOff + r * ow, dyOff + r * ow + reach): inside both arrays up to this row
        int inside = (int) Math.max(0, Math.min(rows, Math.floorDiv((long) Math.min(dy.length, argmax.length) - reach - dyOff, ow) + 1));
        expandRowRange(dy, argmax, dyOff, 0, inside, oh, ow, dst, dstOff, rowStride, planeStride);
        if (inside < rows) {
            int count = (rows - inside) * ow;
            float[] values = TAIL_VALUES.atLeast(count + reach);
            byte[] cells = TAIL_VALUES.bytesAtLeast(count + reach);
            System.arraycopy(dy, dyOff + inside * ow, values, 0, count);
            System.arraycopy(argmax, dyOff + inside * ow, cells, 0, count);
            Arrays.fill(values, count, count + reach, 0f);
            Arrays.fill(cells, count, count + reach, (byte) 0);
            expandRowRange(values, cells, -inside * ow, inside, rows, oh, ow, dst, dstOff, rowStride, planeStride);
        }
    }

    /**
     * Rows [from, to) of {@link #expandRows2x2}, row r (plane r / oh, pooled row r % oh) read from dy[dyBase + r * ow] on,
     * whole vectors that the caller keeps inside the arrays. A row's last vector reads past ow into the next row: those
     * lanes get a cell no column has (-1), so they write zeros. One loop over rows, no masked load and no call inside:
     * as AVX-512 code C2 then keeps its masks in registers (conv1's 22,400 rows for 50 images: 0.25 -> 0.20 ms on one
     * Zen 5 core; as AVX2 code 0.30 -> 0.19).
     */
    private static void expandRowRange(float[] dy, byte[] argmax, int dyBase, int from, int to, int oh, int ow, float[] dst,
                                       int dstOff, int rowStride, int planeStride) {
        int last = (Gemm.ceilDiv(ow, VL) - 1) * VL; // the last vector's first window
        VectorMask<Float> dead = S.indexInRange(0, ow - last).not();
        int written = Math.min(rowStride, 2 * (last + VL));
        int plane = from / oh, oy = from % oh;
        for (int row = from; row < to; row++) {
            int in = dyBase + row * ow;
            int top = dstOff + plane * planeStride + oy * 2 * rowStride;
            for (int ox = 0; ox < ow; ox += VL) {
                FloatVector g = FloatVector.fromArray(S, dy, in + ox);
                FloatVector at = (FloatVector) ByteVector.fromArray(BYTES, argmax, in + ox).convertShape(VectorOperators.B2F, S, 0);
                if (ox == last) {
                    at = at.blend(-1f, dead);
                }
                int col = top + 2 * ox;
                FloatVector cells = g.rearrange(SPREAD), cellPositions = at.rearrange(SPREAD);
                ZERO.blend(cells, cellPositions.compare(VectorOperators.EQ, COLUMN)).intoArray(dst, col);
                ZERO.blend(cells, cellPositions.compare(VectorOperators.EQ, COLUMN_BELOW)).intoArray(dst, col + rowStride);
                if (2 * ox + VL < rowStride) {
                    cells = g.rearrange(SPREAD_UPPER);
                    cellPositions = at.rearrange(SPREAD_UPPER);
                    ZERO.blend(cells, cellPositions.compare(VectorOperators.EQ, COLUMN)).intoArray(dst, col + VL);
                    ZERO.blend(cells, cellPositions.compare(VectorOperators.EQ, COLUMN_BELOW)).intoArray(dst, col + VL + rowStride);
                }
            }
            for (int col = written; col < rowStride; col += VL) {
                ZERO.intoArray(dst, top + col);
                ZERO.intoArray(dst, top + rowStride + col);
            }
            if (++oy == oh) {
                oy = 0;
                plane++;
            }
        }
    }

    /** {@link #expand} one window at a time: any size, and the reference of the vector form. */
    static void expandScalar(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst, int dstOff) {
        int w = ow * size;
        expandScalar(dy, argmax, dyOff, planes, oh, ow, size, dst, dstOff, w, oh * size * w);
    }

    private static void expandScalar(float[] dy, byte[] argmax, int dyOff, int planes, int oh, int ow, int size, float[] dst,
                                     int dstOff, int rowStride, int planeStride) {
        int h = oh * size, w = ow * size;
        for (int plane = 0; plane < planes; plane++) {
            for (int row = 0; row < h; row++) {
                int at = dstOff + plane * planeStride + row * rowStride;
                Arrays.fill(dst, at, at + w, 0f);
            }
            for (int oy = 0; oy < oh; oy++) {
                int in = dyOff + (plane * oh + oy) * ow;
                int rowStart = dstOff + plane * planeStride + oy * size * rowStride;
                for (int ox = 0; ox < ow; ox++) {
                    int position = argmax[in + ox];
                    dst[rowStart + (position / size) * rowStride + ox * size + position % size] = dy[in + ox];
                }
            }
        }
    }
}
