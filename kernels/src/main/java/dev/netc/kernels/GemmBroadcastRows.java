package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = beta * c + a @ b^T with a (m x k) small and b (n x k) large, both row-major, computed as its
 * transpose c^T = b @ a^T: eight (or, with sixteen vector registers, three) rows of b are broadcast from where they lie,
 * one value per row and step, against a^T packed once into slivers of three vectors of columns, or one, so b is read
 * once, in order, and never packed, and each output is one multiply-add chain in k order.
 *
 * <p>Why: a dense layer's backward-data pass is dy @ W^T with W as large as 3136 x 1024. {@link GemmDot}
 * reads W the same way but multiplies row against row: eight full-vector loads per sixteen
 * multiply-adds, every one split across two cache lines, and a lane reduction per output; on the Zen 5
 * machine it stays near 45% of the peak. Here a step is three vector loads and eight broadcasts per 24
 * multiply-adds (1.55 against 1.10 ms for 48 x 3136 x 1024). Up to four rows of a left over past the
 * last sliver (two at a batch of 50) are dot products against the block's rows of b, two rows of a per
 * pass: with 32 registers chunk by chunk of k beside the last sliver, while those b rows are in L1; with sixteen after
 * the slivers, from L2. More than four make one more narrow sliver, zero past m. With 32 vector registers (AVX-512) a tile
 * is eight b rows x three vectors (24 accumulators, three operands and a broadcast); with sixteen (AVX2) a block of twelve
 * b rows runs as tiles of three b rows x three vectors ({@link BroadcastRowsTilesAvx2}).
 */
final class GemmBroadcastRows {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** With 32 vector registers the eight-row tiles below; with sixteen (AVX2) those of {@link BroadcastRowsTilesAvx2}. */
    private static final boolean SIXTEEN_REGISTERS = VL < 16;
    /** Rows of b (columns of c) per block: one register tile's, or (AVX2) a few tiles'. */
    private static final int ROWS = SIXTEEN_REGISTERS ? BroadcastRowsTilesAvx2.ROWS : 8;
    /** Rows of a (of c) per wide tile: three vectors. */
    private static final int WIDE = SIXTEEN_REGISTERS ? BroadcastRowsTilesAvx2.WIDE : 3 * VL;
    /** Rows of a left over past the slivers that are better done as dot products than as a masked sliver. */
    private static final int MAX_DOT_ROWS = 4;
    /** Blocks of b rows per parallel task: 32 columns of c (48 with sixteen registers), whole cache lines of it. */
    private static final int BLOCKS_PER_TASK = 4;
    /** The fewest rows of b this form takes: one tile's (its narrow tile's on AVX2). */
    private static final int MIN_B_ROWS = SIXTEEN_REGISTERS ? BroadcastRowsTilesAvx2.NARROW_ROWS : 8;
    /** Steps of k per chunk of the last sliver beside the dot products: its a^T (24 KiB when wide) and the block's b rows (4 KiB) fit L1. */
    private static final int CHUNK = 128;
    /** Where the dot products' sums and lanes start in the tile scratch: after a wide tile. */
    private static final int DOTS_AT = ROWS * WIDE;
    /** One pair of rows of dot products in the tile scratch: their sums (2 x ROWS), then their lanes (2 x ROWS x VL). */
    private static final int DOT_GROUP_FLOATS = 2 * ROWS + 2 * ROWS * VL;
    private static final int TILE_FLOATS = DOTS_AT + Gemm.ceilDiv(MAX_DOT_ROWS, 2) * DOT_GROUP_FLOATS;

    private static final Scratch PACKED = new Scratch();
    private static final Scratch TILE = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private GemmBroadcastRows() {}

    /** True where this kernel runs and beats {@link GemmDot}: 16- or 8-float vectors, 16 rows of a or more, a^T in half of L2 ({@link Blocking}). */
    static boolean suits(int m, int n, int k) {
        // 16 rows of a at least with either vector width, so a batch's rows change form at the same size on every machine
        return (VL == 16 || VL == 8) && m >= 16 && n >= MIN_B_ROWS && k >= VL && (long) m * k <= Blocking.machine().l2OperandFloats();
    }

    /** See the class comment; beta is 0 or 1. */
    static void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff,
                         Epilogue finish) {
        Call call = CALLS.acquire();
        try {
            // a gate is applied vector by vector over each task's columns once they are stored (see Epilogue#gateColumns)
            call.gated = finish != null && finish.gate() != null ? finish : null;
            call.product(m, n, k, a, aOff, b, bOff, beta, c, cOff, call.gated != null ? call.gated.withoutGate() : finish);
            call.wideRows = m / WIDE * WIDE;
            int rest = m - call.wideRows;
            int narrowRows = rest % VL > MAX_DOT_ROWS ? Gemm.ceilDiv(rest, VL) * VL : rest / VL * VL;
            call.slivered = Math.min(m, call.wideRows + narrowRows);
            call.packed = PACKED.atLeast(k * (call.wideRows + narrowRows));
            // a^T in slivers: wide sliver s at s * k * WIDE, [k][WIDE]; narrow ones after them, [k][VL]
            Parallel.forRange(Gemm.ceilDiv(call.wideRows + narrowRows, VL), call.pack);
            call.blocks = Gemm.ceilDiv(n, ROWS);
            Parallel.forRange(Gemm.ceilDiv(call.blocks, BLOCKS_PER_TASK), call.task);
        } finally {
            CALLS.release(call);
        }
    }

    /** One product's arguments and a^T's slivers, for its parallel bodies (a per-thread frame, see {@link CallFrames}). */
    private static final class Call extends GemmFrame {
        int wideRows, slivered, blocks;
        float[] packed;
        /** The epilogue when it has a gate (applied after the task's stores), else null. */
        Epilogue gated;
        final IntConsumer pack = group -> GemmBroadcastRows.pack(group, wideRows, m, k, a, aOff, packed);
        final IntConsumer task = this::task;

        /**
         * BLOCKS_PER_TASK blocks of ROWS b rows: every sliver of a^T, then the dot products of the rows past them (with 32
         * registers, beside the last sliver: see {@link #lastSliverAndDots}).
         */
        private void task(int task) {
            float[] tile = TILE.atLeast(TILE_FLOATS);
            boolean besideLast = !SIXTEEN_REGISTERS && slivered < m;
            int last = slivered > wideRows ? slivered - VL : wideRows - WIDE; // the first row of a of the last sliver
            for (int block = task * BLOCKS_PER_TASK; block < Math.min(blocks, (task + 1) * BLOCKS_PER_TASK); block++) {
                int i0 = block * ROWS, rows = Math.min(ROWS, n - i0);
                int base = bOff + i0 * k;
                for (int j0 = 0; j0 < wideRows; j0 += WIDE) {
                    if (besideLast && j0 == last) continue;
                    if (SIXTEEN_REGISTERS) {
                        BroadcastRowsTilesAvx2.wideTile(b, base, rows, k, packed, j0 * k, tile);
                    } else {
                        Arrays.fill(tile, 0, ROWS * WIDE, 0f);
                        wideTile(b, base, rows, k, packed, j0 * k, tile, 0, k);
                    }
                    store(tile, WIDE, WIDE, j0, i0, rows, n, beta, c, cOff, finish);
                }
                for (int j0 = wideRows; j0 < slivered; j0 += VL) {
                    if (besideLast && j0 == last) continue;
                    if (SIXTEEN_REGISTERS) {
                        BroadcastRowsTilesAvx2.narrowTile(b, base, rows, k, packed, j0 * k, tile);
                    } else {
                        Arrays.fill(tile, 0, ROWS * VL, 0f);
                        narrowTile(b, base, rows, k, packed, j0 * k, tile, 0, k);
                    }
                    store(tile, VL, Math.min(VL, m - j0), j0, i0, rows, n, beta, c, cOff, finish);
                }
                if (besideLast) {
                    lastSliverAndDots(last, i0, rows, base, tile);
                    continue;
                }
                for (int j = slivered; j < m; j += 2) { // sixteen registers
                    int lanes = 2 * ROWS, p = BroadcastRowsTilesAvx2.dotLanes(a, aOff + j * k, aOff + (j + 1) * k, j + 1 < m, b, base,
                            rows, k, tile, lanes);
                    sumLanes(tile, lanes, 0, a, aOff + j * k, b, base, rows, k, p);
                    if (j + 1 < m) sumLanes(tile, lanes + ROWS * VL, ROWS, a, aOff + (j + 1) * k, b, base, rows, k, p);
                    storeDots(tile, 0, j, i0, rows);
                }
            }
            if (gated != null) {
                gated.gateColumns(c, cOff, n, m, task * BLOCKS_PER_TASK * ROWS, Math.min(n, (task + 1) * BLOCKS_PER_TASK * ROWS));
            }
        }

        /**
         * The last sliver of a^T (from row {@code last} of a) and the dot products of the rows past the slivers, for one
         * block of b rows, {@link #CHUNK} steps of k at a time: each chunk of the sliver's tile brings the block's b rows
         * into L1, and the dot products read them there. Done after the sliver, as before, they read them from L2, the
         * sliver's a^T having passed through L1 since: 28 cycles per 16 multiply-adds, a ninth of the product for the two
         * rows of m = 50 that are a twenty-fifth of its work. The accumulators wait in the tile between chunks; every sum
         * keeps its terms and order, so the bits are the same.
         */
        private void lastSliverAndDots(int last, int i0, int rows, int base, float[] tile) {
            boolean wide = last < wideRows;
            int width = wide ? WIDE : VL, lanesEnd = S.loopBound(k);
            Arrays.fill(tile, 0, TILE_FLOATS, 0f);
            for (int from = 0; from < k; from += CHUNK) {
                int to = Math.min(k, from + CHUNK);
                if (wide) {
                    wideTile(b, base, rows, k, packed, last * k, tile, from, to);
                } else {
                    narrowTile(b, base, rows, k, packed, last * k, tile, from, to);
                }
                int lanesTo = Math.min(to, lanesEnd); // from <= lanesEnd: chunks start at multiples of VL below k
                for (int j = slivered, at = DOTS_AT; j < m; j += 2, at += DOT_GROUP_FLOATS) {
                    if (j + 1 < m) {
                        pairDotLanes(a, aOff + j * k, aOff + (j + 1) * k, b, base, rows, k, tile, at + 2 * ROWS, from, lanesTo);
                    } else {
                        dotLanes(a, aOff + j * k, b, base, rows, k, tile, at + 2 * ROWS, from, lanesTo);
                    }
                }
            }
            store(tile, width, Math.min(width, m - last), last, i0, rows, n, beta, c, cOff, finish);
            for (int j = slivered, at = DOTS_AT; j < m; j += 2, at += DOT_GROUP_FLOATS) {
                sumLanes(tile, at + 2 * ROWS, at, a, aOff + j * k, b, base, rows, k, lanesEnd);
                if (j + 1 < m) sumLanes(tile, at + 2 * ROWS + ROWS * VL, at + ROWS, a, aOff + (j + 1) * k, b, base, rows, k, lanesEnd);
                storeDots(tile, at, j, i0, rows);
            }
        }

        /** c's rows j and j + 1 (if m has it) x columns [i0, i0 + rows) from the sums at tile[at ..] and tile[at + ROWS ..]. */
        private void storeDots(float[] tile, int at, int j, int i0, int rows) {
            for (int jj = j; jj < Math.min(m, j + 2); jj++) {
                for (int r = 0; r < rows; r++) {
                    storeElement(tile[at + (jj - j) * ROWS + r], jj, i0 + r, n, beta, c, cOff, finish);
                }
            }
        }

        @Override
        public void clear() {
            super.clear();
            packed = null;
            gated = null;
        }
    }

    /** Rows [16 * group, 16 * group + 16) of a^T's slivers (a's rows, zero past m), each row's k values in order. */
    private static void pack(int group, int wideRows, int m, int k, float[] a, int aOff, float[] packed) {
        for (int j = group * VL; j < (group + 1) * VL; j++) {
            boolean wide = j < wideRows;
            int width = wide ? WIDE : VL;
            int first = wide ? j / WIDE * WIDE : wideRows + (j - wideRows) / VL * VL;
            int to = first * k + (j - first);
            if (j >= m) {
                for (int p = 0; p < k; p++) packed[to + p * width] = 0f;
                continue;
            }
            int from = aOff + j * k;
            for (int p = 0; p < k; p++) {
                packed[to + p * width] = a[from + p];
            }
        }
    }

    /**
     * tile[r][0 .. 48) += sum over p in [from, to) of b[base + min(r, rows - 1) * k + p] * packed[at + p * 48 ..]: eight b rows
     * (the last repeated past rows) against one wide sliver, in k order from the sums the tile holds (zeros to start).
     */
    private static void wideTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile, int from, int to) {
        // the loop counts from 0 with the bases moved to from: C2 kept four accumulators on the stack for a loop from `from`
        base += from;
        at += from * WIDE;
        int steps = to - from;
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k, o3 = base + Math.min(3, rows - 1) * k;
        int o4 = base + Math.min(4, rows - 1) * k, o5 = base + Math.min(5, rows - 1) * k, o6 = base + Math.min(6, rows - 1) * k;
        int o7 = base + Math.min(7, rows - 1) * k;
        FloatVector c00 = lanes(tile, 0), c01 = lanes(tile, 1), c02 = lanes(tile, 2), c10 = lanes(tile, 3), c11 = lanes(tile, 4);
        FloatVector c12 = lanes(tile, 5), c20 = lanes(tile, 6), c21 = lanes(tile, 7), c22 = lanes(tile, 8), c30 = lanes(tile, 9);
        FloatVector c31 = lanes(tile, 10), c32 = lanes(tile, 11), c40 = lanes(tile, 12), c41 = lanes(tile, 13), c42 = lanes(tile, 14);
        FloatVector c50 = lanes(tile, 15), c51 = lanes(tile, 16), c52 = lanes(tile, 17), c60 = lanes(tile, 18), c61 = lanes(tile, 19);
        FloatVector c62 = lanes(tile, 20), c70 = lanes(tile, 21), c71 = lanes(tile, 22), c72 = lanes(tile, 23);
        for (int p = 0; p < steps; p++) {
            int bi = at + p * WIDE;
            FloatVector y0 = FloatVector.fromArray(S, packed, bi);
            FloatVector y1 = FloatVector.fromArray(S, packed, bi + VL);
            FloatVector y2 = FloatVector.fromArray(S, packed, bi + 2 * VL);
            FloatVector x = FloatVector.broadcast(S, b[o0 + p]);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02);
            x = FloatVector.broadcast(S, b[o1 + p]);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12);
            x = FloatVector.broadcast(S, b[o2 + p]);
            c20 = x.fma(y0, c20); c21 = x.fma(y1, c21); c22 = x.fma(y2, c22);
            x = FloatVector.broadcast(S, b[o3 + p]);
            c30 = x.fma(y0, c30); c31 = x.fma(y1, c31); c32 = x.fma(y2, c32);
            x = FloatVector.broadcast(S, b[o4 + p]);
            c40 = x.fma(y0, c40); c41 = x.fma(y1, c41); c42 = x.fma(y2, c42);
            x = FloatVector.broadcast(S, b[o5 + p]);
            c50 = x.fma(y0, c50); c51 = x.fma(y1, c51); c52 = x.fma(y2, c52);
            x = FloatVector.broadcast(S, b[o6 + p]);
            c60 = x.fma(y0, c60); c61 = x.fma(y1, c61); c62 = x.fma(y2, c62);
            x = FloatVector.broadcast(S, b[o7 + p]);
            c70 = x.fma(y0, c70); c71 = x.fma(y1, c71); c72 = x.fma(y2, c72);
        }
        // through memory: a call taking vectors would box them
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL);
        c10.intoArray(tile, 3 * VL); c11.intoArray(tile, 4 * VL); c12.intoArray(tile, 5 * VL);
        c20.intoArray(tile, 6 * VL); c21.intoArray(tile, 7 * VL); c22.intoArray(tile, 8 * VL);
        c30.intoArray(tile, 9 * VL); c31.intoArray(tile, 10 * VL); c32.intoArray(tile, 11 * VL);
        c40.intoArray(tile, 12 * VL); c41.intoArray(tile, 13 * VL); c42.intoArray(tile, 14 * VL);
        c50.intoArray(tile, 15 * VL); c51.intoArray(tile, 16 * VL); c52.intoArray(tile, 17 * VL);
        c60.intoArray(tile, 18 * VL); c61.intoArray(tile, 19 * VL); c62.intoArray(tile, 20 * VL);
        c70.intoArray(tile, 21 * VL); c71.intoArray(tile, 22 * VL); c72.intoArray(tile, 23 * VL);
    }

    /** {@link #wideTile} for one narrow sliver (16 columns of the tile, [r][16]). */
    private static void narrowTile(float[] b, int base, int rows, int k, float[] packed, int at, float[] tile, int from, int to) {
        base += from;
        at += from * VL;
        int steps = to - from;
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k, o3 = base + Math.min(3, rows - 1) * k;
        int o4 = base + Math.min(4, rows - 1) * k, o5 = base + Math.min(5, rows - 1) * k, o6 = base + Math.min(6, rows - 1) * k;
        int o7 = base + Math.min(7, rows - 1) * k;
        FloatVector c0 = lanes(tile, 0), c1 = lanes(tile, 1), c2 = lanes(tile, 2), c3 = lanes(tile, 3);
        FloatVector c4 = lanes(tile, 4), c5 = lanes(tile, 5), c6 = lanes(tile, 6), c7 = lanes(tile, 7);
        for (int p = 0; p < steps; p++) {
            FloatVector y = FloatVector.fromArray(S, packed, at + p * VL);
            c0 = FloatVector.broadcast(S, b[o0 + p]).fma(y, c0);
            c1 = FloatVector.broadcast(S, b[o1 + p]).fma(y, c1);
            c2 = FloatVector.broadcast(S, b[o2 + p]).fma(y, c2);
            c3 = FloatVector.broadcast(S, b[o3 + p]).fma(y, c3);
            c4 = FloatVector.broadcast(S, b[o4 + p]).fma(y, c4);
            c5 = FloatVector.broadcast(S, b[o5 + p]).fma(y, c5);
            c6 = FloatVector.broadcast(S, b[o6 + p]).fma(y, c6);
            c7 = FloatVector.broadcast(S, b[o7 + p]).fma(y, c7);
        }
        c0.intoArray(tile, 0); c1.intoArray(tile, VL); c2.intoArray(tile, 2 * VL); c3.intoArray(tile, 3 * VL);
        c4.intoArray(tile, 4 * VL); c5.intoArray(tile, 5 * VL); c6.intoArray(tile, 6 * VL); c7.intoArray(tile, 7 * VL);
    }

    /**
     * The lanes of the dot products of a's row at aRow with the block's b rows, over k steps [from, to) (multiples of VL):
     * row r's lanes at tile[lanesAt + r * VL ..], added to in k order from what they hold (zeros to start). Summed by
     * {@link #sumLanes}, a fixed order in every JIT tier.
     */
    private static void dotLanes(float[] a, int aRow, float[] b, int base, int rows, int k, float[] tile, int lanesAt, int from, int to) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k, o3 = base + Math.min(3, rows - 1) * k;
        int o4 = base + Math.min(4, rows - 1) * k, o5 = base + Math.min(5, rows - 1) * k, o6 = base + Math.min(6, rows - 1) * k;
        int o7 = base + Math.min(7, rows - 1) * k;
        int l = lanesAt / VL; // lanesAt is a multiple of VL
        FloatVector s0 = lanes(tile, l), s1 = lanes(tile, l + 1), s2 = lanes(tile, l + 2), s3 = lanes(tile, l + 3);
        FloatVector s4 = lanes(tile, l + 4), s5 = lanes(tile, l + 5), s6 = lanes(tile, l + 6), s7 = lanes(tile, l + 7);
        for (int p = from; p < to; p += VL) {
            FloatVector x = FloatVector.fromArray(S, a, aRow + p);
            s0 = x.fma(FloatVector.fromArray(S, b, o0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, o1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, o2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, o3 + p), s3);
            s4 = x.fma(FloatVector.fromArray(S, b, o4 + p), s4);
            s5 = x.fma(FloatVector.fromArray(S, b, o5 + p), s5);
            s6 = x.fma(FloatVector.fromArray(S, b, o6 + p), s6);
            s7 = x.fma(FloatVector.fromArray(S, b, o7 + p), s7);
        }
        s0.intoArray(tile, lanesAt); s1.intoArray(tile, lanesAt + VL); s2.intoArray(tile, lanesAt + 2 * VL); s3.intoArray(tile, lanesAt + 3 * VL);
        s4.intoArray(tile, lanesAt + 4 * VL); s5.intoArray(tile, lanesAt + 5 * VL); s6.intoArray(tile, lanesAt + 6 * VL);
        s7.intoArray(tile, lanesAt + 7 * VL);
    }

    /** Vector i of the tile scratch (its floats [i * VL, (i + 1) * VL)). */
    private static FloatVector lanes(float[] tile, int i) {
        return FloatVector.fromArray(S, tile, i * VL);
    }

    /**
     * tile[out + r] (r < rows, the block's b rows) = the lanes at tile[lanes + r * VL ..] summed in order, then the scalar
     * tail p .. k of a's row at aRow against b's row r of the block: a fixed order in every JIT tier. A short last block
     * sums no lanes for the rows it does not have (the AVX2 block's twelve rows left eight such at n = 3136).
     */
    private static void sumLanes(float[] tile, int lanes, int out, float[] a, int aRow, float[] b, int base, int rows, int k, int p) {
        for (int r = 0; r < rows; r++) {
            float sum = 0f;
            for (int l = 0; l < VL; l++) {
                sum += tile[lanes + r * VL + l];
            }
            int row = base + r * k;
            for (int q = p; q < k; q++) {
                sum += a[aRow + q] * b[row + q];
            }
            tile[out + r] = sum;
        }
    }

    /**
     * {@link #dotLanes} for two rows of a at once (at aRow0 and aRow1; the second's lanes ROWS vectors after the first's),
     * so the eight b rows are read once for both.
     */
    private static void pairDotLanes(float[] a, int aRow0, int aRow1, float[] b, int base, int rows, int k, float[] tile, int lanesAt,
                                     int from, int to) {
        int o0 = base, o1 = base + Math.min(1, rows - 1) * k, o2 = base + Math.min(2, rows - 1) * k, o3 = base + Math.min(3, rows - 1) * k;
        int o4 = base + Math.min(4, rows - 1) * k, o5 = base + Math.min(5, rows - 1) * k, o6 = base + Math.min(6, rows - 1) * k;
        int o7 = base + Math.min(7, rows - 1) * k;
        int l = lanesAt / VL;
        FloatVector s0 = lanes(tile, l), s1 = lanes(tile, l + 1), s2 = lanes(tile, l + 2), s3 = lanes(tile, l + 3);
        FloatVector s4 = lanes(tile, l + 4), s5 = lanes(tile, l + 5), s6 = lanes(tile, l + 6), s7 = lanes(tile, l + 7);
        FloatVector t0 = lanes(tile, l + 8), t1 = lanes(tile, l + 9), t2 = lanes(tile, l + 10), t3 = lanes(tile, l + 11);
        FloatVector t4 = lanes(tile, l + 12), t5 = lanes(tile, l + 13), t6 = lanes(tile, l + 14), t7 = lanes(tile, l + 15);
        for (int p = from; p < to; p += VL) {
            FloatVector x = FloatVector.fromArray(S, a, aRow0 + p), y = FloatVector.fromArray(S, a, aRow1 + p);
            FloatVector v = FloatVector.fromArray(S, b, o0 + p);
            s0 = x.fma(v, s0); t0 = y.fma(v, t0);
            v = FloatVector.fromArray(S, b, o1 + p);
            s1 = x.fma(v, s1); t1 = y.fma(v, t1);
            v = FloatVector.fromArray(S, b, o2 + p);
            s2 = x.fma(v, s2); t2 = y.fma(v, t2);
            v = FloatVector.fromArray(S, b, o3 + p);
            s3 = x.fma(v, s3); t3 = y.fma(v, t3);
            v = FloatVector.fromArray(S, b, o4 + p);
            s4 = x.fma(v, s4); t4 = y.fma(v, t4);
            v = FloatVector.fromArray(S, b, o5 + p);
            s5 = x.fma(v, s5); t5 = y.fma(v, t5);
            v = FloatVector.fromArray(S, b, o6 + p);
            s6 = x.fma(v, s6); t6 = y.fma(v, t6);
            v = FloatVector.fromArray(S, b, o7 + p);
            s7 = x.fma(v, s7); t7 = y.fma(v, t7);
        }
        s0.intoArray(tile, lanesAt); s1.intoArray(tile, lanesAt + VL); s2.intoArray(tile, lanesAt + 2 * VL); s3.intoArray(tile, lanesAt + 3 * VL);
        s4.intoArray(tile, lanesAt + 4 * VL); s5.intoArray(tile, lanesAt + 5 * VL); s6.intoArray(tile, lanesAt + 6 * VL);
        s7.intoArray(tile, lanesAt + 7 * VL); t0.intoArray(tile, lanesAt + 8 * VL); t1.intoArray(tile, lanesAt + 9 * VL);
        t2.intoArray(tile, lanesAt + 10 * VL); t3.intoArray(tile, lanesAt + 11 * VL); t4.intoArray(tile, lanesAt + 12 * VL);
        t5.intoArray(tile, lanesAt + 13 * VL); t6.intoArray(tile, lanesAt + 14 * VL); t7.intoArray(tile, lanesAt + 15 * VL);
    }

    /** c[j0 + j][i0 + r] for the tile's first `valid` of its `width` columns and `rows` rows: the tile transposed into c. */
    private static void store(float[] tile, int width, int valid, int j0, int i0, int rows, int n, float beta, float[] c, int cOff,
                              Epilogue finish) {
        for (int j = 0; j < valid; j++) {
            for (int r = 0; r < rows; r++) {
                storeElement(tile[r * width + j], j0 + j, i0 + r, n, beta, c, cOff, finish);
            }
        }
    }

    /** c[row][col] = value (+ beta * c[row][col]), then the epilogue if any. */
    private static void storeElement(float value, int row, int col, int n, float beta, float[] c, int cOff, Epilogue finish) {
        int index = cOff + row * n + col;
        if (beta != 0f) {
            value += beta * c[index];
        }
        c[index] = finish == null ? value : finish.apply(value, index, row, col);
    }
}
