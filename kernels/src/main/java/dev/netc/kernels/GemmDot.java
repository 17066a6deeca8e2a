package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = beta * c + a @ b^T with a (m x k) and b (n x k) both row-major: every output is a dot product of
 * two contiguous rows, so the vectors run along k and neither operand is packed.
 *
 * <p>Why: a dense layer's backward-data pass is dy @ W^T with W as large as 3136 x 1024. Packing W^T
 * for the broadcast/vector micro-kernel is a scalar transpose of all of W every step; here W is read
 * once, in order, four rows at a time (held in L1 while every row of the small a, kept in L2, passes).
 */
final class GemmDot {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** 16-float vectors (AVX-512): registers for the 4 x 4 tile. */
    private static final boolean WIDE = VL == 16;
    /** Rows of a and of b per register tile: 2 x 4 accumulators plus 3 operands fit 16 registers. */
    private static final int TILE_A = 2;
    private static final int TILE_B = 4;
    /** Columns of c per parallel task: whole cache lines of c, so tasks never share one. */
    private static final int TASK_COLUMNS = 32;
    /** Per thread: the accumulators of one tile on their way out of registers (no allocation per call). */
    private static final Scratch LANES = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private GemmDot() {}

    /** True when this kernel is the better choice: a fits in half of L2 ({@link Blocking}) and k fills several vectors. */
    static boolean suits(int m, int k) {
        return k >= 4 * VL && (long) m * k <= Blocking.machine().l2OperandFloats();
    }

    static void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float beta, float[] c,
                         int cOff, Epilogue finish) {
        int tasks = Gemm.ceilDiv(n, TASK_COLUMNS);
        Call call = CALLS.acquire();
        try {
            // a gate is applied vector by vector over each task's columns once they are stored (see Epilogue#gateColumns)
            call.gated = finish != null && finish.gate() != null ? finish : null;
            call.product(m, n, k, a, aOff, b, bOff, beta, c, cOff, call.gated != null ? call.gated.withoutGate() : finish);
            Parallel.forRange(tasks, call);
        } finally {
            CALLS.release(call);
        }
    }

    /** One product's arguments; task t is a run of TASK_COLUMNS columns (a per-thread frame, see {@link CallFrames}). */
    private static final class Call extends GemmFrame implements java.util.function.IntConsumer {
        /** The epilogue when it has a gate (applied after the task's stores), else null. */
        Epilogue gated;

        @Override
        public void clear() {
            super.clear();
            gated = null;
        }

        @Override
        public void accept(int task) {
            float[] lanes = LANES.atLeast(4 * TILE_B * VL); // accumulators leave registers through here
            int jEnd = Math.min(n, (task + 1) * TASK_COLUMNS);
            int j = task * TASK_COLUMNS;
            for (; j + TILE_B <= jEnd; j += TILE_B) {
                int i = 0;
                for (; WIDE && i + 4 <= m; i += 4) {
                    tile4x4(k, a, aOff + i * k, b, bOff + j * k, beta, c, cOff, n, i, j, finish, lanes);
                }
                for (; !WIDE && i + 3 <= m; i += 3) {
                    tile3x4(k, a, aOff + i * k, b, bOff + j * k, beta, c, cOff, n, i, j, finish, lanes);
                }
                for (; i + TILE_A <= m; i += TILE_A) {
                    tile(k, a, aOff + i * k, b, bOff + j * k, beta, c, cOff, n, i, j, finish, lanes);
                }
                for (; i < m; i++) {
                    for (int jj = j; jj < j + TILE_B; jj++) {
                        single(k, a, aOff + i * k, b, bOff + jj * k, beta, c, cOff, n, i, jj, finish, lanes);
                    }
                }
            }
            for (; j < jEnd; j++) {
                for (int i = 0; i < m; i++) {
                    single(k, a, aOff + i * k, b, bOff + j * k, beta, c, cOff, n, i, j, finish, lanes);
                }
            }
            if (gated != null) {
                gated.gateColumns(c, cOff, n, m, task * TASK_COLUMNS, jEnd);
            }
        }
    }

    /** The 2 x 4 register tile at c[i][j]: eight dot products sharing their loads. */
    private static void tile(int k, float[] a, int a0, float[] b, int b0, float beta, float[] c, int cOff,
                             int n, int i, int j, Epilogue finish, float[] lanes) {
        int a1 = a0 + k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S);
        FloatVector s03 = FloatVector.zero(S), s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
        FloatVector s12 = FloatVector.zero(S), s13 = FloatVector.zero(S);
        int p = 0;
        for (int upper = S.loopBound(k); p < upper; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
        }
        // through memory, not as arguments: a vector passed to a call the JIT does not inline is boxed
        s00.intoArray(lanes, 0);
        s01.intoArray(lanes, VL);
        s02.intoArray(lanes, 2 * VL);
        s03.intoArray(lanes, 3 * VL);
        s10.intoArray(lanes, 4 * VL);
        s11.intoArray(lanes, 5 * VL);
        s12.intoArray(lanes, 6 * VL);
        s13.intoArray(lanes, 7 * VL);
        storeTile(TILE_A, lanes, k, a, a0, b, b0, p, beta, c, cOff, n, i, j, finish);
    }

    /**
     * The 4 x 4 register tile at c[i][j] where vectors are 16 floats (32 registers: sixteen accumulators
     * and eight operands): sixteen dot products, eight loads per sixteen fmas.
     */
    private static void tile4x4(int k, float[] a, int a0, float[] b, int b0, float beta, float[] c, int cOff,
                                int n, int i, int j, Epilogue finish, float[] lanes) {
        int a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        int b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int p = 0;
        for (int upper = S.loopBound(k); p < upper; p += VL) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + p);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + p);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + p);
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s00 = x.fma(y0, s00); s01 = x.fma(y1, s01); s02 = x.fma(y2, s02); s03 = x.fma(y3, s03);
            x = FloatVector.fromArray(S, a, a1 + p);
            s10 = x.fma(y0, s10); s11 = x.fma(y1, s11); s12 = x.fma(y2, s12); s13 = x.fma(y3, s13);
            x = FloatVector.fromArray(S, a, a2 + p);
            s20 = x.fma(y0, s20); s21 = x.fma(y1, s21); s22 = x.fma(y2, s22); s23 = x.fma(y3, s23);
            x = FloatVector.fromArray(S, a, a3 + p);
            s30 = x.fma(y0, s30); s31 = x.fma(y1, s31); s32 = x.fma(y2, s32); s33 = x.fma(y3, s33);
        }
        // through memory and summed lane by lane in order, as the 2 x 4 tile does: the same bits whichever tile ran
        s00.intoArray(lanes, 0); s01.intoArray(lanes, VL); s02.intoArray(lanes, 2 * VL); s03.intoArray(lanes, 3 * VL);
        s10.intoArray(lanes, 4 * VL); s11.intoArray(lanes, 5 * VL); s12.intoArray(lanes, 6 * VL); s13.intoArray(lanes, 7 * VL);
        s20.intoArray(lanes, 8 * VL); s21.intoArray(lanes, 9 * VL); s22.intoArray(lanes, 10 * VL); s23.intoArray(lanes, 11 * VL);
        s30.intoArray(lanes, 12 * VL); s31.intoArray(lanes, 13 * VL); s32.intoArray(lanes, 14 * VL); s33.intoArray(lanes, 15 * VL);
        storeTile(4, lanes, k, a, a0, b, b0, p, beta, c, cOff, n, i, j, finish);
    }

    /**
     * The 3 x 4 register tile at c[i][j] where vectors are 8 floats (16 registers: twelve accumulators, three rows of a
     * and one of b): twelve dot products, seven loads per twelve fmas instead of the 2 x 4 tile's six per eight.
     */
    private static void tile3x4(int k, float[] a, int a0, float[] b, int b0, float beta, float[] c, int cOff,
                                int n, int i, int j, Epilogue finish, float[] lanes) {
        int a1 = a0 + k, a2 = a1 + k;
        int b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        int p = 0;
        for (int upper = S.loopBound(k); p < upper; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(y, s00); s10 = x1.fma(y, s10); s20 = x2.fma(y, s20);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01); s11 = x1.fma(y, s11); s21 = x2.fma(y, s21);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02); s12 = x1.fma(y, s12); s22 = x2.fma(y, s22);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03); s13 = x1.fma(y, s13); s23 = x2.fma(y, s23);
        }
        // through memory and summed lane by lane in order, as the 2 x 4 tile does: the same bits whichever tile ran
        s00.intoArray(lanes, 0); s01.intoArray(lanes, VL); s02.intoArray(lanes, 2 * VL); s03.intoArray(lanes, 3 * VL);
        s10.intoArray(lanes, 4 * VL); s11.intoArray(lanes, 5 * VL); s12.intoArray(lanes, 6 * VL); s13.intoArray(lanes, 7 * VL);
        s20.intoArray(lanes, 8 * VL); s21.intoArray(lanes, 9 * VL); s22.intoArray(lanes, 10 * VL); s23.intoArray(lanes, 11 * VL);
        storeTile(3, lanes, k, a, a0, b, b0, p, beta, c, cOff, n, i, j, finish);
    }

    /**
     * The rows x {@link #TILE_B} accumulators a tile (2, 3 or 4 rows) left at lanes[(r * TILE_B + t) * VL ..] folded and stored to c[i + r][j + t],
     * each with its scalar tail from p on.
     */
    private static void storeTile(int rows, float[] lanes, int k, float[] a, int a0, float[] b, int b0, int p, float beta,
                                  float[] c, int cOff, int n, int i, int j, Epilogue finish) {
        fold(lanes, rows * TILE_B);
        for (int r = 0; r < rows; r++) {
            int ar = a0 + r * k;
            for (int t = 0; t < TILE_B; t++) {
                store(lanes, (r * TILE_B + t) * VL, a, ar, b, b0 + t * k, p, k, beta, c, cOff + (i + r) * n + j + t, i + r, j + t,
                        finish);
            }
        }
    }

    /** One dot product, for the rows and columns left over by the tiles. */
    private static void single(int k, float[] a, int ai, float[] b, int bi, float beta, float[] c, int cOff,
                               int n, int i, int j, Epilogue finish, float[] lanes) {
        FloatVector sum = FloatVector.zero(S);
        int p = 0;
        for (int upper = S.loopBound(k); p < upper; p += VL) {
            sum = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bi + p), sum);
        }
        sum.intoArray(lanes, 0);
        fold(lanes, 1);
        store(lanes, 0, a, ai, b, bi, p, k, beta, c, cOff + i * n + j, i, j, finish);
    }

    /** Lanes left of each accumulator after {@link #fold}: four (or VL, if fewer). */
    private static final int FOLDED = Math.min(4, VL);

    /**
     * Folds each of the first {@code count} accumulators at lanes[i * VL ..] in place to its first
     * {@link #FOLDED} lanes: the upper half added onto the lower half (lane l + w/2 onto lane l) while the
     * width w exceeds four. A fixed tree, so the same bits in every JIT tier, and a quarter of the scalar
     * adds a lane-by-lane sum needs.
     *
     * <p>Why rotations of the whole vector, with {@code lanewise(ADD, ..)}: the fold used to add half- and
     * quarter-width vectors (256 and 128 bits), and other kernels use those shapes too. C2 inlines these
     * calls only late into the large tile methods, when the vectors' exact class is not known, so it picks
     * the target from the library's shared profile; with several shapes there, some runs fell back to the
     * Vector API's Java code here (12 MiB of garbage per training step in the dense layer's backward-data,
     * seen in one run of three). Every vector here now has the preferred shape, and each call site sees one
     * shape. Scalar adds instead cost the dense layer's backward-data a fifth of its time; the full-width
     * load is at the offset just stored, so store forwarding still works.
     */
    private static void fold(float[] lanes, int count) {
        if (VL < 8) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int at = i * VL;
            FloatVector v = FloatVector.fromArray(S, lanes, at);
            if (VL >= 16) {
                v = v.lanewise(VectorOperators.ADD, v.rearrange(DOWN_8));
            }
            v.lanewise(VectorOperators.ADD, v.rearrange(DOWN_4)).intoArray(lanes, at);
        }
    }

    /** Lane l takes lane l + 8 (mod VL), and l + 4: the two steps of {@link #fold}. */
    private static final VectorShuffle<Float> DOWN_8 = VectorShuffle.fromOp(S, l -> (l + 8) % VL),
            DOWN_4 = VectorShuffle.fromOp(S, l -> (l + 4) % VL);

    /**
     * Adds the folded lanes at lanes[at ..] first to last (a fixed order: not {@code reduceLanes(ADD)}, whose
     * order differs between the interpreter and the JIT and made same-seed runs differ), then the
     * scalar tail [from, k), beta * c and the epilogue.
     */
    private static void store(float[] lanes, int at, float[] a, int ai, float[] b, int bi, int from, int k, float beta,
                              float[] c, int index, int row, int col, Epilogue finish) {
        float value = 0f;
        for (int l = 0; l < FOLDED; l++) {
            value += lanes[at + l];
        }
        for (int p = from; p < k; p++) {
            value += a[ai + p] * b[bi + p];
        }
        if (beta != 0f) {
            value += beta * c[index];
        }
        c[index] = finish == null ? value : finish.apply(value, index, row, col);
    }
}
