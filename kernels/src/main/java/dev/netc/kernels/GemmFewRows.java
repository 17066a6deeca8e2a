package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = beta * c + op(a) @ b for at most {@link #MAX_ROWS} rows and b row-major (k x n): a matrix-vector
 * product in all but name (a dense layer at batch 1). Each row p of b is read once, contiguously, and
 * multiplied into every row of c, so b streams through once at memory speed; the packed GEMM would
 * copy all of b into panels and waste most of its micro-kernel rows.
 *
 * <p>Columns are split over the cores; within a task, k runs in blocks so the task's part of c (at
 * most four rows of {@link #COLUMNS} floats) stays in registers through a block.
 */
final class GemmFewRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Columns of one panel sliver ({@link GemmPanels}): two vectors. */
    private static final int NR = GemmMicroKernel.NR;
    static final int MAX_ROWS = 4;
    /** Columns per register tile: four vectors, so four rows keep 16 accumulators in registers. */
    private static final int COLUMNS = 4 * VL;
    /** Columns per parallel task: whole cache lines of c and of each row of b. */
    private static final int TASK_COLUMNS = 16 * VL;
    /** Per thread: a register tile on its way out (no allocation per call). */
    private static final Scratch TILE = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private GemmFewRows() {}

    /** True when this kernel applies: few rows, b not transposed, n at least one register tile. */
    static boolean suits(int m, int n, boolean transB) {
        return !transB && m >= 1 && m <= MAX_ROWS && n >= COLUMNS;
    }

    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float beta,
                         float[] c, int cOff, Epilogue finish) {
        multiply(transA, m, n, k, a, aOff, b, bOff, null, beta, c, cOff, finish);
    }

    /**
     * {@link #multiply(boolean, int, int, int, float[], int, float[], int, float, float[], int, Epilogue)} reading
     * whole register tiles from {@code panels} ({@link GemmPanels#data} of this b) when not null: each task's
     * columns are then a few runs of contiguous floats per k block instead of a short run in every row of b, one
     * page apart, which the hardware prefetcher streams faster (frozen weights at batch 1). The sums run over k
     * in the same order either way, so the bits are the same.
     */
    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] panels,
                         float beta, float[] c, int cOff, Epilogue finish) {
        Call call = CALLS.acquire();
        try {
            call.product(m, n, k, a, aOff, b, bOff, beta, c, cOff, finish);
            call.transA = transA;
            call.panels = panels;
            int tasks = Gemm.ceilDiv(n, TASK_COLUMNS);
            if ((long) m * n * k >= Gemm.PARALLEL_MIN_WORK) {
                Parallel.forRange(tasks, call);
            } else {
                for (int task = 0; task < tasks; task++) call.accept(task);
            }
        } finally {
            CALLS.release(call);
        }
    }

    /** One product's arguments, for its tasks: each task a run of TASK_COLUMNS columns (a per-thread frame, see {@link CallFrames}). */
    private static final class Call extends GemmFrame implements java.util.function.IntConsumer {
        boolean transA;
        float[] panels;

        @Override
        public void accept(int task) {
            int end = Math.min(n, (task + 1) * TASK_COLUMNS);
            int j = task * TASK_COLUMNS;
            if (m == 1 && j + TASK_COLUMNS <= end && VL >= 16) {
                rowTile(transA, m, n, k, a, aOff, b, bOff, panels, beta, c, cOff, j, finish);
                j += TASK_COLUMNS;
            } else if (m == 1 && j + TASK_COLUMNS <= end) { // sixteen registers: two halves of eight accumulators
                rowTileOfFour(transA, m, n, k, a, aOff, b, bOff, panels, beta, c, cOff, j, finish);
                rowTileOfFour(transA, m, n, k, a, aOff, b, bOff, panels, beta, c, cOff, j + 4 * NR, finish);
                j += TASK_COLUMNS;
            }
            for (; j + COLUMNS <= end; j += COLUMNS) {
                tile(transA, m, n, k, a, aOff, b, bOff, panels, beta, c, cOff, j, finish);
            }
            for (; j < end; j++) { // the last columns when n is not a multiple of the tile
                for (int i = 0; i < m; i++) {
                    float sum = 0f;
                    for (int p = 0; p < k; p++) sum += at(transA, m, k, a, aOff, i, p) * b[bOff + p * n + j];
                    int index = cOff + i * n + j;
                    float value = beta == 0f ? sum : beta * c[index] + sum;
                    c[index] = finish == null ? value : finish.apply(value, index, i, j);
                }
            }
        }

        @Override
        public void clear() {
            super.clear();
            panels = null;
        }
    }

    /**
     * Columns [j, j + COLUMNS) of every row: up to four rows of four vectors in registers (unrolled by
     * hand: the JIT keeps named locals in registers, not array elements). Sums run over k in order, one
     * fma per product, so the result is the same whatever the task split.
     */
    private static void tile(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] panels,
                             float beta, float[] c, int cOff, int j, Epilogue finish) {
        FloatVector r00 = FloatVector.zero(S), r01 = r00, r02 = r00, r03 = r00;
        FloatVector r10 = r00, r11 = r00, r12 = r00, r13 = r00;
        FloatVector r20 = r00, r21 = r00, r22 = r00, r23 = r00;
        FloatVector r30 = r00, r31 = r00, r32 = r00, r33 = r00;
        float[] source = panels == null ? b : panels;
        int depth = panels == null ? k : Gemm.KC; // row-major b is one block of all k
        for (int p0 = 0; p0 < k; p0 += depth) {
            int kc = Math.min(depth, k - p0);
            // columns [j, j + 2 VL) from lo, [j + 2 VL, j + 4 VL) from hi, row p at + p * stride
            int stride = panels == null ? n : NR;
            int lo = panels == null ? bOff + p0 * n + j : GemmPanels.sliverOffset(n, p0, kc, j / NR);
            int hi = panels == null ? lo + NR : lo + NR * kc;
            for (int p = 0; p < kc; p++) {
                int row = p * stride; // of b, or of the slivers
                FloatVector b0 = FloatVector.fromArray(S, source, lo + row);
                FloatVector b1 = FloatVector.fromArray(S, source, lo + row + VL);
                FloatVector b2 = FloatVector.fromArray(S, source, hi + row);
                FloatVector b3 = FloatVector.fromArray(S, source, hi + row + VL);
                FloatVector x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 0, p0 + p));
                r00 = x.fma(b0, r00); r01 = x.fma(b1, r01); r02 = x.fma(b2, r02); r03 = x.fma(b3, r03);
                if (m > 1) {
                    x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 1, p0 + p));
                    r10 = x.fma(b0, r10); r11 = x.fma(b1, r11); r12 = x.fma(b2, r12); r13 = x.fma(b3, r13);
                }
                if (m > 2) {
                    x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 2, p0 + p));
                    r20 = x.fma(b0, r20); r21 = x.fma(b1, r21); r22 = x.fma(b2, r22); r23 = x.fma(b3, r23);
                }
                if (m > 3) {
                    x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 3, p0 + p));
                    r30 = x.fma(b0, r30); r31 = x.fma(b1, r31); r32 = x.fma(b2, r32); r33 = x.fma(b3, r33);
                }
            }
        }
        // out through a per-thread tile, not as arguments: see Activation#inRegisterFloor
        float[] out = TILE.atLeast(MAX_ROWS * COLUMNS);
        r00.intoArray(out, 0); r01.intoArray(out, VL); r02.intoArray(out, 2 * VL); r03.intoArray(out, 3 * VL);
        r10.intoArray(out, COLUMNS); r11.intoArray(out, COLUMNS + VL); r12.intoArray(out, COLUMNS + 2 * VL); r13.intoArray(out, COLUMNS + 3 * VL);
        r20.intoArray(out, 2 * COLUMNS); r21.intoArray(out, 2 * COLUMNS + VL); r22.intoArray(out, 2 * COLUMNS + 2 * VL);
        r23.intoArray(out, 2 * COLUMNS + 3 * VL);
        r30.intoArray(out, 3 * COLUMNS); r31.intoArray(out, 3 * COLUMNS + VL); r32.intoArray(out, 3 * COLUMNS + 2 * VL);
        r33.intoArray(out, 3 * COLUMNS + 3 * VL);
        for (int i = 0; i < m; i++) {
            finishRow(out, i * COLUMNS, COLUMNS, i, beta, c, cOff + i * n + j, j, finish);
        }
    }

    /**
     * One row of c, columns [j, j + TASK_COLUMNS): sixteen accumulators, so each row of b is read as one
     * contiguous run of a kilobyte (AVX-512; half that on AVX2) rather than four narrow runs a page apart,
     * which the hardware prefetcher streams far better (batch-1 inference is bound by reading b).
     */
    private static void rowTile(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] panels,
                                float beta, float[] c, int cOff, int j, Epilogue finish) {
        FloatVector r0 = FloatVector.zero(S), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0;
        FloatVector r8 = r0, r9 = r0, r10 = r0, r11 = r0, r12 = r0, r13 = r0, r14 = r0, r15 = r0;
        float[] source = panels == null ? b : panels;
        int depth = panels == null ? k : Gemm.KC; // row-major b is one block of all k
        for (int p0 = 0; p0 < k; p0 += depth) {
            int kc = Math.min(depth, k - p0);
            // columns [j + s NR, j + (s + 1) NR) from s0 + s * apart, row p at + p * stride (eight slivers: 16 VL columns)
            int stride = panels == null ? n : NR;
            int s0 = panels == null ? bOff + p0 * n + j : GemmPanels.sliverOffset(n, p0, kc, j / NR);
            int apart = panels == null ? NR : NR * kc;
            int s1 = s0 + apart, s2 = s1 + apart, s3 = s2 + apart, s4 = s3 + apart, s5 = s4 + apart, s6 = s5 + apart;
            int s7 = s6 + apart;
            for (int p = 0; p < kc; p++) {
                int row = p * stride; // of b, or of the slivers
                FloatVector x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 0, p0 + p));
                r0 = x.fma(FloatVector.fromArray(S, source, s0 + row), r0);
                r1 = x.fma(FloatVector.fromArray(S, source, s0 + row + VL), r1);
                r2 = x.fma(FloatVector.fromArray(S, source, s1 + row), r2);
                r3 = x.fma(FloatVector.fromArray(S, source, s1 + row + VL), r3);
                r4 = x.fma(FloatVector.fromArray(S, source, s2 + row), r4);
                r5 = x.fma(FloatVector.fromArray(S, source, s2 + row + VL), r5);
                r6 = x.fma(FloatVector.fromArray(S, source, s3 + row), r6);
                r7 = x.fma(FloatVector.fromArray(S, source, s3 + row + VL), r7);
                r8 = x.fma(FloatVector.fromArray(S, source, s4 + row), r8);
                r9 = x.fma(FloatVector.fromArray(S, source, s4 + row + VL), r9);
                r10 = x.fma(FloatVector.fromArray(S, source, s5 + row), r10);
                r11 = x.fma(FloatVector.fromArray(S, source, s5 + row + VL), r11);
                r12 = x.fma(FloatVector.fromArray(S, source, s6 + row), r12);
                r13 = x.fma(FloatVector.fromArray(S, source, s6 + row + VL), r13);
                r14 = x.fma(FloatVector.fromArray(S, source, s7 + row), r14);
                r15 = x.fma(FloatVector.fromArray(S, source, s7 + row + VL), r15);
            }
        }
        float[] out = TILE.atLeast(TASK_COLUMNS);
        r0.intoArray(out, 0); r1.intoArray(out, VL); r2.intoArray(out, 2 * VL); r3.intoArray(out, 3 * VL);
        r4.intoArray(out, 4 * VL); r5.intoArray(out, 5 * VL); r6.intoArray(out, 6 * VL); r7.intoArray(out, 7 * VL);
        r8.intoArray(out, 8 * VL); r9.intoArray(out, 9 * VL); r10.intoArray(out, 10 * VL); r11.intoArray(out, 11 * VL);
        r12.intoArray(out, 12 * VL); r13.intoArray(out, 13 * VL); r14.intoArray(out, 14 * VL); r15.intoArray(out, 15 * VL);
        finishRow(out, 0, TASK_COLUMNS, 0, beta, c, cOff + j, j, finish);
    }

    /**
     * {@link #rowTile} over four slivers (columns [j, j + 4 NR)): eight accumulators, for sixteen vector registers (AVX2),
     * where rowTile's sixteen and the broadcast cannot all stay in registers (batch-1 dense forward of the MNIST CNN as
     * AVX2 code, Zen 4: 0.21 ms in the inference pass against 0.10 as AVX-512 code). The same sums in the same order.
     */
    private static void rowTileOfFour(boolean transA, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] panels,
                                      float beta, float[] c, int cOff, int j, Epilogue finish) {
        FloatVector r0 = FloatVector.zero(S), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0;
        float[] source = panels == null ? b : panels;
        int depth = panels == null ? k : Gemm.KC; // row-major b is one block of all k
        for (int p0 = 0; p0 < k; p0 += depth) {
            int kc = Math.min(depth, k - p0);
            int stride = panels == null ? n : NR;
            int s0 = panels == null ? bOff + p0 * n + j : GemmPanels.sliverOffset(n, p0, kc, j / NR);
            int apart = panels == null ? NR : NR * kc;
            int s1 = s0 + apart, s2 = s1 + apart, s3 = s2 + apart;
            for (int p = 0; p < kc; p++) {
                int row = p * stride; // of b, or of the slivers
                FloatVector x = FloatVector.broadcast(S, at(transA, m, k, a, aOff, 0, p0 + p));
                r0 = x.fma(FloatVector.fromArray(S, source, s0 + row), r0);
                r1 = x.fma(FloatVector.fromArray(S, source, s0 + row + VL), r1);
                r2 = x.fma(FloatVector.fromArray(S, source, s1 + row), r2);
                r3 = x.fma(FloatVector.fromArray(S, source, s1 + row + VL), r3);
                r4 = x.fma(FloatVector.fromArray(S, source, s2 + row), r4);
                r5 = x.fma(FloatVector.fromArray(S, source, s2 + row + VL), r5);
                r6 = x.fma(FloatVector.fromArray(S, source, s3 + row), r6);
                r7 = x.fma(FloatVector.fromArray(S, source, s3 + row + VL), r7);
            }
        }
        float[] out = TILE.atLeast(TASK_COLUMNS);
        r0.intoArray(out, 0); r1.intoArray(out, VL); r2.intoArray(out, 2 * VL); r3.intoArray(out, 3 * VL);
        r4.intoArray(out, 4 * VL); r5.intoArray(out, 5 * VL); r6.intoArray(out, 6 * VL); r7.intoArray(out, 7 * VL);
        finishRow(out, 0, 4 * NR, 0, beta, c, cOff + j, j, finish);
    }

    /**
     * c[index ..] = beta * c + the count sums at tile[from ..] (beta 0: c is not read), then the epilogue on
     * each vector: arrays in, arrays out (a vector passed to a call the JIT does not inline is boxed; the
     * batch-1 dense layer did so, 6 KiB per inference pass).
     */
    private static void finishRow(float[] tile, int from, int count, int row, float beta, float[] c, int index, int column,
                                  Epilogue finish) {
        if (beta == 0f) {
            System.arraycopy(tile, from, c, index, count);
        } else {
            for (int q = 0; q < count; q++) c[index + q] = tile[from + q] + beta * c[index + q];
        }
        if (finish != null) {
            for (int q = 0; q < count; q += VL) finish.applyVector(c, index + q, row, column + q);
        }
    }

    private static float at(boolean transA, int m, int k, float[] a, int aOff, int i, int p) {
        return transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
    }
}
