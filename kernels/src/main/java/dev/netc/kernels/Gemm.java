package dev.netc.kernels;

import java.util.function.IntConsumer;

/**
 * Single-precision matrix multiply on row-major arrays, BLIS style: op(B) and op(A) are packed per
 * k block of {@link #KC}, then tasks of {@link #MC} rows x a range of NR-column slivers run the
 * register-blocked {@link GemmMicroKernel} over all cores.
 */
public final class Gemm {
    /**
     * Depth of one packed k block. With 8-float vectors (AVX2) 256: an A sliver (MR x KC) and a B sliver
     * (KC x NR) stay in L1. With 16-float vectors (AVX-512) 1024: the B sliver (128 KiB) streams from L2,
     * and C is read and written a quarter as often as at 256: on the Zen 5 machine 512 was 5-12% faster than
     * 256 (sgemm 512 and 1024), and 1024 again faster than 512 for a dense layer's frozen panels (50 x 1024
     * x 3136: 0.87-0.90 against 0.95-0.99 ms) and as fast or faster for sgemm 512-2048.
     */
    static final int KC = GemmMicroKernel.VL >= 16 ? 1024 : 256;
    /** Rows per task: an MC x KC block of packed A stays in L2. Multiple of MR. */
    static final int MC = 16 * GemmMicroKernel.MR;
    /** The most floats of op(B) packed at once, shared by the row-block tasks (4 MiB: all of a 1024 x 1024 B). */
    private static final int SHARED_B_FLOATS = 1 << 20;
    /** Floats of one packed k block of op(B) up to which a task walks its row slivers outermost (a quarter of L2). */
    private static final int ROWS_OUTER_MAX_FLOATS = 1 << 16;
    /** Below this many multiply-adds the fork/join costs more than it saves. */
    static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final Scratch PACKED_A = new Scratch();
    /** On the calling thread: op(B) packed for a stretch of k blocks, shared by all tasks. */
    private static final Scratch PACKED_B_SHARED = new Scratch();
    /** Per task of the few-rows product: op(A)'s k block, one op(B) sliver and the tile buffer. */
    private static final Scratch FEW_ROWS = new Scratch();

    private Gemm() {}

    /**
     * c[m x n] = beta * c + op(a) @ op(b), where op(a) is m x k and op(b) is k x n; beta is 0 or 1
     * (with beta 0 the old contents of c are never read). All matrices are dense row-major: a is m x k
     * (k x m when transA), b is k x n (n x k when transB); the offsets locate element (0, 0).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff) {
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff, Epilogue.NONE);
    }

    /**
     * Like {@link #sgemm} followed by c[i, j] = act(c[i, j] + bias[j]), but fused: each output tile
     * gets its bias and activation while still in registers, so c is written once.
     *
     * @param bias one value per output column (length n), or null for none
     */
    public static void sgemmBiasActivation(boolean transA, boolean transB, int m, int n, int k,
                                           float[] a, int aOff, float[] b, int bOff, float beta,
                                           float[] bias, Activation act, float[] c, int cOff) {
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff, new Epilogue(null, bias, act));
    }

    /**
     * {@link #sgemm} with op(b) optionally already packed: when {@code packedB} is not null (it must be the
     * panels of this b, see {@link GemmPanels#packs}) the product reads them instead of packing b; the
     * result has the same bits either way.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                             GemmPanels packedB, float beta, float[] c, int cOff) {
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, packedB, beta, c, cOff, Epilogue.NONE);
    }

    /** {@link #sgemmBiasActivation} with op(b) optionally already packed, as in {@link #sgemm(boolean, boolean, int, int, int, float[], int, float[], int, GemmPanels, float, float[], int)}. */
    public static void sgemmBiasActivation(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                                           float[] b, int bOff, GemmPanels packedB, float beta, float[] bias,
                                           Activation act, float[] c, int cOff) {
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, packedB, beta, c, cOff, new Epilogue(null, bias, act));
    }

    private static void multiply(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b,
                                 int bOff, GemmPanels packedB, float beta, float[] c, int cOff, Epilogue epilogue) {
        if (packedB == null) {
            multiply(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff, epilogue);
            return;
        }
        if (!packedB.packs(transB, k, n, b, bOff)) {
            throw new IllegalArgumentException("packedB holds another matrix than op(b) (" + k + " x " + n + ")");
        }
        if (GemmFewRows.suits(m, n, transB) && k > 0) {
            // a row or four: one pass over the panels, a register tile's columns at a time (the packed path's
            // micro-kernel would waste most of its rows)
            GemmFewRows.multiply(transA, m, n, k, a, aOff, b, bOff, packedB.data, beta, c, cOff, epilogue.isIdentity() ? null : epilogue);
            return;
        }
        multiply(transA, m, n, k, a, aOff, null, packedB.data, beta, c, cOff, epilogue);
    }

    /** The general entry point: {@link #sgemm} followed by the epilogue on every output element. */
    static void multiply(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                         float[] b, int bOff, float beta, float[] c, int cOff, Epilogue epilogue) {
        boolean broadcastRows = GemmBroadcastRows.suits(m, n, k);
        if (transB && !transA && m > 0 && n > 0 && (broadcastRows || GemmDot.suits(m, k))) {
            if (beta != 0f && beta != 1f) {
                scaleAndFinish(m, n, beta, c, cOff, null);
                beta = 1f;
            }
            Epilogue finish = epilogue.isIdentity() ? null : epilogue;
            if (broadcastRows) {
                GemmBroadcastRows.multiply(m, n, k, a, aOff, b, bOff, beta, c, cOff, finish);
            } else {
                GemmDot.multiply(m, n, k, a, aOff, b, bOff, beta, c, cOff, finish);
            }
            return;
        }
        if (GemmFewRows.suits(m, n, transB) && k > 0) {
            GemmFewRows.multiply(transA, m, n, k, a, aOff, b, bOff, beta, c, cOff, epilogue.isIdentity() ? null : epilogue);
            return;
        }
        PanelSource packedB = (j0, p0, kc, dst, dstOff) ->
                GemmPacking.packB(transB, n, k, b, bOff, j0, p0, kc, dst, dstOff);
        multiply(transA, m, n, k, a, aOff, packedB, null, beta, c, cOff, epilogue);
    }

    /**
     * Like the array form, with op(B) (k x n) supplied sliver by sliver by {@code packedB}, or already
     * packed whole in {@code prepacked} ({@link GemmPanels}' layout; packedB is then null).
     *
     * <p>Rows split into blocks of at most {@link #MC}; with a single row block on several cores the
     * few-rows form runs (each task packs its own B slivers), else the row-block form (op(B) packed once
     * and shared, each task packing its rows of op(A)). Either way a task walks its B slivers in the
     * outer loop, each staying in L1 while the task's rows of A stream from L2.
     */
    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB,
                         float[] prepacked, float beta, float[] c, int cOff, Epilogue epilogue) {
        if (m <= 0 || n <= 0) {
            return;
        }
        Epilogue finish = epilogue.isIdentity() ? null : epilogue;
        if (k <= 0) {
            scaleAndFinish(m, n, beta, c, cOff, finish);
            return;
        }
        if (beta != 0f && beta != 1f) {
            scaleAndFinish(m, n, beta, c, cOff, null);
            beta = 1f;
        }
        final int mr = GemmMicroKernel.MR;
        final int nr = GemmMicroKernel.NR;
        int rowSlivers = ceilDiv(m, mr);
        int colSlivers = ceilDiv(n, nr);
        boolean parallel = (long) m * n * k >= PARALLEL_MIN_WORK && Parallel.threads() > 1;
        // Row blocks of at most MC rows (a multiple of the thread count once there are enough of them, so
        // no core idles at the end); column blocks only when there are too few row blocks for every core.
        int threads = parallel ? Parallel.threads() : 1;
        int rowBlockCount = ceilDiv(m, MC);
        if (rowBlockCount >= threads) {
            rowBlockCount = roundUp(rowBlockCount, threads);
        }
        int rowSliversPerBlock = ceilDiv(rowSlivers, Math.min(rowSlivers, rowBlockCount));
        int rowBlocks = ceilDiv(rowSlivers, rowSliversPerBlock);
        int rowBlockHeight = rowSliversPerBlock * mr;
        // one row block (a dense layer at a small batch): one column block per core, each packing op(A) once;
        // two per core measured 5-7% slower (50 x 1024 x 3136)
        int wantedColBlocks = rowBlocks >= 2 * threads ? 1
                : rowBlocks == 1 ? threads : roundUp(ceilDiv(2 * threads, rowBlocks), threads);
        int sliversPerBlock = ceilDiv(colSlivers, Math.min(colSlivers, wantedColBlocks));
        int colBlocks = ceilDiv(colSlivers, sliversPerBlock);

        if (rowBlocks == 1 && parallel) {
            multiplyFewRows(transA, m, n, k, a, aOff, packedB, prepacked, beta, c, cOff, finish, colBlocks, sliversPerBlock);
            return;
        }
        multiplyRowBlocks(transA, m, n, k, a, aOff, packedB, prepacked, beta, c, cOff, finish, parallel, rowBlocks, rowBlockHeight,
                colBlocks, sliversPerBlock);
    }

    /**
     * The product by row blocks (a large m, or any product too small to split): op(B) is packed once per
     * stretch of k (all of it when it fits {@link #SHARED_B_FLOATS}; one parallel region), then one task
     * per row block (x column block) runs through the stretch's k blocks itself, packing its own rows of
     * op(A) for each. Its block of C (at most MC rows) stays in the core's L2 from one k block to the
     * next instead of going to memory and back at a barrier per k block. The k blocks are added in order,
     * so each C element sums the same terms in the same order whatever the stretch.
     */
    private static void multiplyRowBlocks(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB,
                                          float[] prepacked, float beta, float[] c, int cOff, Epilogue finish, boolean parallel, int rowBlocks,
                                          int rowBlockHeight, int colBlocks, int sliversPerBlock) {
        final int mr = GemmMicroKernel.MR;
        final int nr = GemmMicroKernel.NR;
        int colSlivers = ceilDiv(n, nr);
        // already packed: one stretch of all k, which the panels' layout is
        int stretch = prepacked != null ? k : Math.max(KC, SHARED_B_FLOATS / (colSlivers * nr) / KC * KC);
        float[] bp = prepacked != null ? prepacked : PACKED_B_SHARED.atLeast(colSlivers * nr * Math.min(stretch, k));
        for (int s0 = 0; s0 < k; s0 += stretch) {
            int start = s0, end = Math.min(k, s0 + stretch), kBlocks = ceilDiv(end - start, KC);
            // k block p0 (every earlier one in the stretch KC deep) at (p0 - start) * colSlivers * nr, sliver js at js * nr * kc more
            if (prepacked == null) run(parallel, kBlocks * colSlivers, t -> {
                int p0 = start + (t / colSlivers) * KC, js = t % colSlivers;
                int kc = Math.min(KC, end - p0);
                packedB.pack(js * nr, p0, kc, bp, (p0 - start) * colSlivers * nr + js * nr * kc);
            });
            run(parallel, rowBlocks * colBlocks, task -> {
                int rowStart = (task % rowBlocks) * rowBlockHeight;
                int rowEnd = Math.min(m, rowStart + rowBlockHeight);
                int sliverStart = (task / rowBlocks) * sliversPerBlock;
                int sliverEnd = Math.min(colSlivers, sliverStart + sliversPerBlock);
                float[] ap = PACKED_A.atLeast(rowBlockHeight * Math.min(KC, k) + mr * nr);
                int tile = rowBlockHeight * Math.min(KC, k);
                for (int p0 = start; p0 < end; p0 += KC) {
                    int kc = Math.min(KC, end - p0);
                    boolean accumulate = p0 > 0 || beta != 0f;
                    Epilogue tileEpilogue = p0 + kc == k ? finish : null;
                    for (int i0 = rowStart; i0 < rowEnd; i0 += mr) {
                        GemmPacking.packA(transA, m, k, a, aOff, i0, p0, kc, ap, (i0 - rowStart) * kc);
                    }
                    int blockOff = (p0 - start) * colSlivers * nr;
                    if ((long) colSlivers * nr * kc <= ROWS_OUTER_MAX_FLOATS) {
                        // op(B)'s block is small (a weight gradient's k is the batch): row slivers outer, so C is
                        // written a few whole rows at a time; 7% faster for 3136 x 1024 x 50 than sliver by sliver
                        for (int i0 = rowStart; i0 < rowEnd; i0 += mr) {
                            for (int js = sliverStart; js < sliverEnd; js++) {
                                GemmMicroKernel.tile(ap, (i0 - rowStart) * kc, bp, blockOff + js * nr * kc, kc, c, cOff, n, i0,
                                        js * nr, Math.min(mr, m - i0), Math.min(nr, n - js * nr), accumulate, tileEpilogue, ap, tile);
                            }
                        }
                        continue;
                    }
                    for (int js = sliverStart; js < sliverEnd; js++) {
                        int j0 = js * nr;
                        for (int i0 = rowStart; i0 < rowEnd; i0 += mr) {
                            GemmMicroKernel.tile(ap, (i0 - rowStart) * kc, bp, blockOff + js * nr * kc, kc, c, cOff, n, i0, j0,
                                    Math.min(mr, m - i0), Math.min(nr, n - j0), accumulate, tileEpilogue, ap, tile);
                        }
                    }
                }
            });
        }
    }

    /**
     * The product when all rows fit one row block (a dense layer at a small batch): one parallel region
     * for the whole call, each task owning a block of column slivers through every k block. A task packs
     * the k block of op(A) itself (small: m x KC) rather than wait at a barrier for a shared copy, and
     * each B sliver right before its row tiles use it, so the sliver stays in L1 and C's block in L2.
     */
    private static void multiplyFewRows(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB,
                                        float[] prepacked, float beta, float[] c, int cOff, Epilogue finish, int colBlocks,
                                        int sliversPerBlock) {
        final int mr = GemmMicroKernel.MR;
        final int nr = GemmMicroKernel.NR;
        int rowSlivers = ceilDiv(m, mr);
        int colSlivers = ceilDiv(n, nr);
        int kcMax = Math.min(KC, k);
        Parallel.forRange(colBlocks, colBlock -> {
            int sliverStart = colBlock * sliversPerBlock;
            int sliverEnd = Math.min(colSlivers, sliverStart + sliversPerBlock);
            int bAt = rowSlivers * mr * kcMax;
            int tile = bAt + nr * kcMax;
            float[] work = FEW_ROWS.atLeast(tile + mr * nr);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                boolean accumulate = p0 > 0 || beta != 0f;
                Epilogue tileEpilogue = p0 + kc == k ? finish : null;
                for (int s = 0; s < rowSlivers; s++) {
                    GemmPacking.packA(transA, m, k, a, aOff, s * mr, p0, kc, work, s * mr * kc);
                }
                for (int js = sliverStart; js < sliverEnd; js++) {
                    int j0 = js * nr;
                    float[] sliver = work;
                    int sliverAt = bAt;
                    if (prepacked == null) {
                        packedB.pack(j0, p0, kc, work, bAt);
                    } else {
                        sliver = prepacked;
                        sliverAt = GemmPanels.sliverOffset(n, p0, kc, js);
                    }
                    for (int i0 = 0; i0 < m; i0 += mr) {
                        GemmMicroKernel.tile(work, i0 * kc, sliver, sliverAt, kc, c, cOff, n, i0, j0, Math.min(mr, m - i0),
                                Math.min(nr, n - j0), accumulate, tileEpilogue, work, tile);
                    }
                }
            }
        });
    }

    private static void run(boolean parallel, int count, IntConsumer body) {
        if (parallel) {
            Parallel.forRange(count, body);
        } else {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
        }
    }

    /** c = beta * c (beta 0 clears without reading), then the epilogue if any; for k == 0 and odd betas. */
    private static void scaleAndFinish(int m, int n, float beta, float[] c, int cOff, Epilogue finish) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int index = cOff + i * n + j;
                float value = beta == 0f ? 0f : beta * c[index];
                c[index] = finish == null ? value : finish.apply(value, i, j);
            }
        }
    }

    private static int roundUp(int value, int multiple) {
        return ceilDiv(value, multiple) * multiple;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
