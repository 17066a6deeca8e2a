package dev.netc.kernels;

import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = beta * c + op(a) @ b for a product at most one vector wide (n <= VL), b row-major (k x n): a classifier's
 * head (a dense layer to 10 classes, its weight gradient). A register tile is eight rows x one vector of columns; each
 * step broadcasts a value of each row of op(a), read where it lies, against one row of b, so neither operand is packed.
 *
 * <p>Why: the blocked product ({@link GemmCall}) packs all of op(a) and a 32-column sliver of b and runs its 12 x 32
 * tiles over 10 live columns. For the MNIST CNN's 50 x 1024 @ 1024 x 10 forward and its 1024 x 50 @ 50 x 10 weight
 * gradient that took 28-56 microseconds each on the Zen 5 machine, for a millionth of a GFLOP.
 *
 * <p>The sums are the blocked product's: over k in blocks of {@link Gemm#KC}, each block summed in k order from zero,
 * one fused multiply-add per product, and added to c after the first block (or from the start when beta is 1); the
 * epilogue is applied value by value as {@link GemmMicroKernel} does for a partial tile. So the bits are the same.
 */
final class GemmNarrow {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** Rows per register tile: eight accumulators, a row of b and a broadcast, in sixteen registers too. */
    private static final int ROWS = 8;
    /** Rows per parallel task (whole tiles). */
    private static final int TASK_ROWS = 16 * ROWS;
    /** Below this many multiply-adds one thread does it all: a parallel region costs more than the product. */
    private static final long PARALLEL_MIN_WORK = 1L << 21;
    /** Per thread: b's rows past the array's end padded to a vector, and a tile on its way out. */
    private static final Scratch SCRATCH = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private GemmNarrow() {}

    /** True when this kernel computes the product: b not transposed and at most one vector of columns. */
    static boolean suits(int m, int n, int k, boolean transB) {
        return !transB && m > 0 && n > 0 && n <= VL && k > 0;
    }

    /** See the class comment; beta is 0 or 1, finish null for none. */
    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float beta, float[] c,
                         int cOff, Epilogue finish) {
        Call call = CALLS.acquire();
        try {
            call.product(m, n, k, a, aOff, b, bOff, beta, c, cOff, finish);
            call.transA = transA;
            int tasks = Gemm.ceilDiv(m, TASK_ROWS);
            if ((long) m * n * k >= PARALLEL_MIN_WORK && tasks > 1) {
                Parallel.forRange(tasks, call);
            } else {
                for (int task = 0; task < tasks; task++) call.accept(task);
            }
        } finally {
            CALLS.release(call);
        }
    }

    /** One product's arguments; task t is rows [t * TASK_ROWS, (t + 1) * TASK_ROWS) (a per-thread frame, see {@link CallFrames}). */
    private static final class Call extends GemmFrame implements IntConsumer {
        boolean transA;

        @Override
        public void accept(int task) {
            int end = Math.min(m, (task + 1) * TASK_ROWS);
            // b's last rows, whose vector would reach past the array's end, copied to a padded buffer (beyond them: the tile)
            int room = b.length - VL - bOff;
            int safeRows = room < 0 ? 0 : Math.min(k, room / n + 1);
            float[] scratch = SCRATCH.atLeast((k - safeRows + ROWS) * VL);
            for (int p = safeRows; p < k; p++) {
                int at = (p - safeRows) * VL;
                System.arraycopy(b, bOff + p * n, scratch, at, n);
                java.util.Arrays.fill(scratch, at + n, at + VL, 0f);
            }
            int tileAt = (k - safeRows) * VL;
            for (int i0 = task * TASK_ROWS; i0 < end; i0 += ROWS) {
                int rows = Math.min(ROWS, end - i0);
                for (int p0 = 0; p0 < k; p0 += Gemm.KC) {
                    int kc = Math.min(Gemm.KC, k - p0);
                    tile(transA, m, k, a, aOff, i0, rows, b, bOff, n, p0, kc, safeRows, scratch, scratch, tileAt);
                    store(scratch, tileAt, rows, i0, p0 > 0 || beta != 0f, p0 + kc == k ? finish : null);
                }
            }
        }

        /** Rows [i0, i0 + rows) of the tile, stored (added to c when accumulating), then the epilogue on the last k block. */
        private void store(float[] tile, int tileAt, int rows, int i0, boolean accumulate, Epilogue epilogue) {
            for (int r = 0; r < rows; r++) {
                int index = cOff + (i0 + r) * n;
                for (int j = 0; j < n; j++) {
                    float v = accumulate ? tile[tileAt + r * VL + j] + c[index + j] : tile[tileAt + r * VL + j];
                    c[index + j] = epilogue == null ? v : epilogue.apply(v, index + j, i0 + r, j);
                }
            }
        }
    }

    /**
     * The sums over k [p0, p0 + kc) of rows [i0, i0 + rows) (up to eight, unrolled by hand: the JIT keeps named locals in
     * registers) to tile[tileAt + r * VL ..]. Rows past {@code rows} repeat the last one and are not stored; b's rows from
     * {@code safeRows} on come from the padded copy in scratch. The same shape as {@link GemmBroadcastRows}' narrow tile,
     * kept apart: one method for both, strides and a continued sum as parameters, took 22 instead of 15 microseconds
     * for the MNIST head's forward on one Zen 5 core.
     */
    private static void tile(boolean transA, int m, int k, float[] a, int aOff, int i0, int rows, float[] b, int bOff, int n,
                             int p0, int kc, int safeRows, float[] scratch, float[] tile, int tileAt) {
        // where row r of op(a) has its value at depth p: at + r * rowStep + p * depthStep
        int rowStep = transA ? 1 : k, depthStep = transA ? m : 1;
        int last = rows - 1;
        int a0 = aOff + i0 * rowStep, a1 = a0 + Math.min(1, last) * rowStep, a2 = a0 + Math.min(2, last) * rowStep;
        int a3 = a0 + Math.min(3, last) * rowStep, a4 = a0 + Math.min(4, last) * rowStep, a5 = a0 + Math.min(5, last) * rowStep;
        int a6 = a0 + Math.min(6, last) * rowStep, a7 = a0 + Math.min(7, last) * rowStep;
        FloatVector r0 = FloatVector.zero(S), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0;
        int end = p0 + kc;
        // b's rows in place up to safeRows, then the padded copies: the same loop over two sources
        float[] source = b;
        int rowAt = bOff + p0 * n, bStep = n, switchAt = Math.min(end, Math.max(p0, safeRows));
        for (int p = p0; p < end; p++, rowAt += bStep) {
            if (p == switchAt) {
                source = scratch;
                rowAt = (p - safeRows) * VL;
                bStep = VL;
            }
            FloatVector row = FloatVector.fromArray(S, source, rowAt);
            int d = p * depthStep;
            r0 = FloatVector.broadcast(S, a[a0 + d]).fma(row, r0);
            r1 = FloatVector.broadcast(S, a[a1 + d]).fma(row, r1);
            r2 = FloatVector.broadcast(S, a[a2 + d]).fma(row, r2);
            r3 = FloatVector.broadcast(S, a[a3 + d]).fma(row, r3);
            r4 = FloatVector.broadcast(S, a[a4 + d]).fma(row, r4);
            r5 = FloatVector.broadcast(S, a[a5 + d]).fma(row, r5);
            r6 = FloatVector.broadcast(S, a[a6 + d]).fma(row, r6);
            r7 = FloatVector.broadcast(S, a[a7 + d]).fma(row, r7);
        }
        r0.intoArray(tile, tileAt); r1.intoArray(tile, tileAt + VL); r2.intoArray(tile, tileAt + 2 * VL);
        r3.intoArray(tile, tileAt + 3 * VL); r4.intoArray(tile, tileAt + 4 * VL); r5.intoArray(tile, tileAt + 5 * VL);
        r6.intoArray(tile, tileAt + 6 * VL); r7.intoArray(tile, tileAt + 7 * VL);
    }
}
