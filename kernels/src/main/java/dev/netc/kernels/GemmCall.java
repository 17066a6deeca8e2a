package dev.netc.kernels;

import java.util.function.IntConsumer;

/**
 * One blocked product of {@link Gemm}, c = beta * c + op(a) @ op(b), with op(B) supplied sliver by sliver
 * by a {@link PanelSource} or already packed whole ({@link GemmPanels}' layout). Its arguments and plan are
 * fields of a per-thread frame ({@link CallFrames}) that its parallel bodies read, so a call allocates
 * nothing.
 *
 * <p>Rows split into blocks of at most {@link Gemm#MC}; with a single row block on several cores (or on one, where B
 * packs in groups) the few-rows form runs (op(A) packed once, each task packing its own B slivers), else the row-block
 * form (op(B) packed once
 * and shared, each task packing its rows of op(A)). Either way a task walks its B slivers in the
 * outer loop, each staying in L1 while the task's rows of A stream from L2.
 */
final class GemmCall extends GemmFrame {
    private static final int MR = GemmMicroKernel.MR;
    private static final int NR = GemmMicroKernel.NR;
    private static final int KC = Gemm.KC;
    /** The most floats of op(B) packed at once, shared by the row-block tasks (4 MiB: all of a 1024 x 1024 B). */
    private static final int SHARED_B_FLOATS = 1 << 20;
    /** Floats of one packed k block of op(B) up to which a task walks its row slivers outermost (a quarter of L2). */
    private static final int ROWS_OUTER_MAX_FLOATS = Blocking.machine().rowsOuterMaxFloats();

    private static final Scratch PACKED_A = new Scratch();
    /** On the calling thread: op(B) packed for a stretch of k blocks, shared by all tasks. */
    private static final Scratch PACKED_B_SHARED = new Scratch();
    /** On the calling thread: all of op(A) packed for the few-rows product, shared by its tasks. */
    private static final Scratch PACKED_A_SHARED = new Scratch();
    /** Per task of the few-rows product: one op(B) sliver and the tile buffer. */
    private static final Scratch FEW_ROWS = new Scratch();
    /** Per row-block task handing its rows to a sink: the rows, computed here instead of in c. */
    private static final Scratch SINK_ROWS = new Scratch();
    /**
     * Column tasks per thread in the few-rows product, handed out as threads free up. 50 x 1024 x 3136 on the
     * Zen 5 machine with equal cores: 1 and 2 as fast, 4 and 8 2-5% slower (each task's B slivers a narrower run
     * of W's rows); with its vCPUs 20-28% apart, 2 no faster than 1 (too coarse to even that out).
     */
    private static final int FEW_ROWS_TASKS_PER_THREAD = 2;
    /** Whether one core runs a single row block in the few-rows form too: where the packing tile exists (measured there only). */
    private static final boolean FEW_ROWS_ON_ONE_CORE = GemmEdgeRows.PACKING_ROWS > 0;
    /** Slivers of a row-major b packed in one sweep over its rows ({@link GemmPacking#packRowMajorB}). */
    private static final int PACK_GROUP = Blocking.machine().packGroup();

    // the product (its arguments in GemmFrame; b and bOff there are op(b) as an array, for packFromB)
    private boolean transA, transB;
    private float[] prepacked;
    private PanelSource packedB;
    /** Where the row-block form hands each finished block of rows instead of storing it in c (null: into c). */
    private Gemm.RowBlockSink sink;
    // the plan
    private int rowBlocks, rowBlockHeight, colBlocks, sliversPerBlock;
    /**
     * Slivers the few-rows form packs per sweep: {@link #PACK_GROUP} when op(b) is b itself, row-major; else 1 (a
     * transpose, or a PanelSource). The row-block form packs op(B) once for all its row blocks, sliver by sliver:
     * grouped there, sgemm 1024 was 1-2% faster and 512 2-3% slower.
     */
    private int packGroup;
    /** The stretch of k [start, end) whose op(B) blocks bp holds (row-block form). */
    private int start, end;
    private float[] bp;
    /** All of op(A), packed k block by k block (few-rows form): block p0 at p0 * rowSlivers * MR. */
    private float[] ap;

    /** Packs slivers of op(b) from the array set by {@link #packingFrom}. */
    final PanelSource packFromB = (j0, p0, kc, dst, dstOff) -> GemmPacking.packB(transB, n, k, b, bOff, j0, p0, kc, dst, dstOff);
    // the parallel bodies, bound once
    private final IntConsumer packSharedB = this::packSharedB;
    private final IntConsumer rowBlock = this::rowBlock;
    private final IntConsumer fewRowsBlock = this::fewRowsBlock;
    private final IntConsumer packSharedA = this::packSharedA;

    /** Where {@link #packFromB} reads op(b): b is k x n (n x k when transB) from bOff. */
    void packingFrom(boolean transB, float[] b, int bOff) {
        this.transB = transB;
        this.b = b;
        this.bOff = bOff;
    }

    @Override
    public void clear() {
        super.clear();
        prepacked = bp = ap = null;
        packedB = null;
        sink = null;
    }

    /**
     * The row-block form over blocks of {@code blockRows} rows (m > blockRows), all of k in one stretch, each block
     * computed into its task's scratch and handed to sink there (see {@link Gemm#sgemmRowBlocks}). Every element sums
     * the same terms in the same order as in {@link #run}'s row-block form, so the bits are the same.
     */
    void runToSink(boolean transA, int m, int n, int k, float[] a, int aOff, int blockRows, Gemm.RowBlockSink sink) {
        product(m, n, k, a, aOff, b, bOff, 0f, null, 0, null);
        this.transA = transA;
        this.packedB = packFromB;
        this.prepacked = null;
        this.sink = sink;
        packGroup = 1;
        boolean parallel = (long) m * n * k >= Gemm.PARALLEL_MIN_WORK && Parallel.threads() > 1;
        rowBlocks = Gemm.ceilDiv(m, blockRows);
        rowBlockHeight = Gemm.ceilDiv(Gemm.ceilDiv(m, MR), rowBlocks) * MR; // at most blockRows
        sliversPerBlock = Gemm.ceilDiv(n, NR);
        colBlocks = 1;
        multiplyRowBlocks(parallel);
    }

    void run(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB, float[] prepacked, float beta,
             float[] c, int cOff, Epilogue epilogue) {
        if (m <= 0 || n <= 0) {
            return;
        }
        Epilogue finish = epilogue.isIdentity() ? null : epilogue;
        if (k <= 0) {
            Gemm.scaleAndFinish(m, n, beta, c, cOff, finish);
            return;
        }
        if (beta != 0f && beta != 1f) {
            Gemm.scaleAndFinish(m, n, beta, c, cOff, null);
            beta = 1f;
        }
        product(m, n, k, a, aOff, b, bOff, beta, c, cOff, finish); // b as packingFrom set it (null: packedB supplies it)
        this.transA = transA;
        this.packedB = packedB;
        this.prepacked = prepacked;
        packGroup = packedB == packFromB && !transB ? PACK_GROUP : 1;
        int rowSlivers = Gemm.ceilDiv(m, MR);
        int colSlivers = Gemm.ceilDiv(n, NR);
        boolean parallel = (long) m * n * k >= Gemm.PARALLEL_MIN_WORK && Parallel.threads() > 1;
        // Row blocks of at most MC rows (a multiple of the thread count once there are enough of them, so
        // no core idles at the end); column blocks only when there are too few row blocks for every core.
        int threads = parallel ? Parallel.threads() : 1;
        int rowBlockCount = Gemm.ceilDiv(m, Gemm.MC);
        if (rowBlockCount >= threads) {
            rowBlockCount = Gemm.roundUp(rowBlockCount, threads);
        }
        rowBlocks = Math.min(rowSlivers, rowBlockCount);
        rowBlockHeight = Gemm.ceilDiv(rowSlivers, rowBlocks) * MR; // the tallest block (see rowBlockStart)
        // one row block (a dense layer at a small batch): a few column blocks per core, handed out as cores
        // free up (op(A) is packed once for all of them)
        int wantedColBlocks = rowBlocks >= 2 * threads ? 1
                : rowBlocks == 1 ? threads * FEW_ROWS_TASKS_PER_THREAD
                : Gemm.roundUp(Gemm.ceilDiv(2 * threads, rowBlocks), threads);
        sliversPerBlock = Gemm.ceilDiv(colSlivers, Math.min(colSlivers, wantedColBlocks));
        colBlocks = Gemm.ceilDiv(colSlivers, sliversPerBlock);

        // one row block: the few-rows form, on one core too where it packs B in groups (one thread's dense forward at
        // a batch of 50, Zen 4, thread CPU time, median of eight: 4.75 -> 3.68 ms; the row-block form packs a 4 MiB
        // stretch of B and reads it back from L3)
        if (rowBlocks == 1 && (parallel || FEW_ROWS_ON_ONE_CORE && packGroup == GemmEdgeRows.PACKING_SLIVERS)) {
            ap = PACKED_A_SHARED.atLeast(rowSlivers * MR * k);
            run(parallel, Gemm.ceilDiv(k, KC) * rowSlivers, packSharedA);
            run(parallel, colBlocks, fewRowsBlock);
            return;
        }
        multiplyRowBlocks(parallel);
    }

    /**
     * The product by row blocks (a large m, or any product too small to split): op(B) is packed once per
     * stretch of k (all of it when it fits {@link #SHARED_B_FLOATS}; one parallel region), then one task
     * per row block (x column block) runs through the stretch's k blocks itself, packing its own rows of
     * op(A) for each. Its block of C (at most MC rows) stays in the core's L2 from one k block to the
     * next instead of going to memory and back at a barrier per k block. The k blocks are added in order,
     * so each C element sums the same terms in the same order whatever the stretch.
     */
    private void multiplyRowBlocks(boolean parallel) {
        int colSlivers = Gemm.ceilDiv(n, NR);
        // already packed: one stretch of all k, which the panels' layout is
        int stretch = prepacked != null || sink != null ? k : Math.max(KC, SHARED_B_FLOATS / (colSlivers * NR) / KC * KC);
        bp = prepacked != null ? prepacked : PACKED_B_SHARED.atLeast(colSlivers * NR * Math.min(stretch, k));
        for (int s0 = 0; s0 < k; s0 += stretch) {
            start = s0;
            end = Math.min(k, s0 + stretch);
            if (prepacked == null) {
                run(parallel, Gemm.ceilDiv(end - start, KC) * colSlivers, packSharedB);
            }
            run(parallel, rowBlocks * colBlocks, rowBlock);
        }
    }

    /** k block p0's sliver js of the stretch into bp: block p0 (every earlier one in the stretch KC deep) at (p0 - start) * colSlivers * NR, the sliver js * NR * kc further. */
    private void packSharedB(int t) {
        int colSlivers = Gemm.ceilDiv(n, NR);
        int p0 = start + (t / colSlivers) * KC, js = t % colSlivers;
        int kc = Math.min(KC, end - p0);
        packedB.pack(js * NR, p0, kc, bp, (p0 - start) * colSlivers * NR + js * NR * kc);
    }

    /** One row block (x column block) through the stretch's k blocks. */
    private void rowBlock(int task) {
        int colSlivers = Gemm.ceilDiv(n, NR);
        int rowStart = rowBlockStart(task % rowBlocks);
        int rowEnd = Math.min(m, rowBlockStart(task % rowBlocks + 1));
        int sliverStart = (task / rowBlocks) * sliversPerBlock;
        int sliverEnd = Math.min(colSlivers, sliverStart + sliversPerBlock);
        float[] ap = PACKED_A.atLeast(rowBlockHeight * Math.min(KC, k) + MR * NR);
        int tile = rowBlockHeight * Math.min(KC, k);
        // into the task's scratch for a sink, placed so that row rowStart lands at its start
        float[] c = sink == null ? this.c : SINK_ROWS.atLeast(rowBlockHeight * n);
        int cOff = sink == null ? this.cOff : -rowStart * n;
        for (int p0 = start; p0 < end; p0 += KC) {
            int kc = Math.min(KC, end - p0);
            boolean accumulate = p0 > 0 || beta != 0f;
            Epilogue tileEpilogue = p0 + kc == k ? finish : null;
            for (int i0 = rowStart; i0 < rowEnd; i0 += MR) {
                GemmPacking.packA(MR, transA, m, k, a, aOff, i0, p0, kc, ap, (i0 - rowStart) * kc);
            }
            int blockOff = (p0 - start) * colSlivers * NR;
            if ((long) colSlivers * NR * kc <= ROWS_OUTER_MAX_FLOATS) {
                // op(B)'s block is small (a weight gradient's k is the batch): row slivers outer, so C is
                // written a few whole rows at a time; 7% faster for 3136 x 1024 x 50 than sliver by sliver
                for (int i0 = rowStart; i0 < rowEnd; i0 += MR) {
                    for (int js = sliverStart; js < sliverEnd; js++) {
                        GemmMicroKernel.tile(ap, (i0 - rowStart) * kc, bp, blockOff + js * NR * kc, kc, c, cOff, n, i0,
                                js * NR, Math.min(MR, m - i0), Math.min(NR, n - js * NR), accumulate, tileEpilogue, ap, tile);
                    }
                }
                continue;
            }
            for (int js = sliverStart; js < sliverEnd; js++) {
                int j0 = js * NR;
                for (int i0 = rowStart; i0 < rowEnd; i0 += MR) {
                    GemmMicroKernel.tile(ap, (i0 - rowStart) * kc, bp, blockOff + js * NR * kc, kc, c, cOff, n, i0, j0,
                            Math.min(MR, m - i0), Math.min(NR, n - j0), accumulate, tileEpilogue, ap, tile);
                }
            }
        }
        if (sink != null) {
            sink.accept(rowStart, rowEnd - rowStart, c, 0);
        }
    }

    /**
     * The first row of row block b (b = rowBlocks: past the last row): the row slivers split as evenly as whole slivers
     * allow. Blocks of equal height left the last one short: 1024 rows of twelve-row slivers in six blocks of 15 slivers
     * left 11 for the last, and one of two cores 540 rows to the other's 484 (sgemm 1024 on the Xeon, two cores:
     * 239-245 -> 257-258 GFLOP/s split evenly).
     */
    private int rowBlockStart(int b) {
        return (int) ((long) b * Gemm.ceilDiv(m, MR) / rowBlocks) * MR;
    }

    /** Row sliver s of k block t / rowSlivers of op(A) into ap (few-rows form). */
    private void packSharedA(int t) {
        int rowSlivers = Gemm.ceilDiv(m, MR);
        int p0 = (t / rowSlivers) * KC, s = t % rowSlivers;
        int kc = Math.min(KC, k - p0);
        GemmPacking.packA(MR, transA, m, k, a, aOff, s * MR, p0, kc, ap, p0 * rowSlivers * MR + s * MR * kc);
    }

    /**
     * The product when all rows fit one row block (a dense layer at a small batch), one task per column
     * block through every k block, reading op(A) packed once for all tasks. A task packs each B sliver (or group of
     * slivers) right before its row tiles use it, so it stays in L1 or L2 and C's block in L2; where the rows past the
     * last whole tile are one or two (a batch of 50), {@link GemmEdgeRows#packingTile} computes them while it packs
     * the group, instead of a pass that only copies and a half-empty tile (50 x 1024 x 3136 with bias and ReLU on the
     * Zen 4 machine, two cores, W hot: 1.91-1.98 -> 1.69-1.75 ms); where there are none, it computes
     * the last two rows and a partial tile the rows before them. With five- or six-row tiles (AVX2) one or two such rows go two
     * slivers at a time ({@link GemmEdgeRows#twoRowsOfTwoSlivers}; with AVX2's four-row tile before, the same product with
     * 8-float vectors, W hot: 2.25-2.30 -> 2.15-2.27 ms, from panels 1.91-2.06 -> 1.82-2.02; a batch of 50 now fills ten
     * five-row tiles). Each element of C is summed by one task in k
     * order, so neither the split nor these kernels change the bits.
     */
    private void fewRowsBlock(int colBlock) {
        int rowSlivers = Gemm.ceilDiv(m, MR);
        int colSlivers = Gemm.ceilDiv(n, NR);
        int kcMax = Math.min(KC, k);
        int sliverStart = colBlock * sliversPerBlock;
        int sliverEnd = Math.min(colSlivers, sliverStart + sliversPerBlock);
        int tile = NR * kcMax * packGroup;
        // then the tile buffer: an MR x NR tile, or the packing tile's rows x four slivers
        float[] work = FEW_ROWS.atLeast(tile + Math.max(MR, GemmEdgeRows.PACKING_ROWS * GemmEdgeRows.PACKING_SLIVERS) * NR);
        // the rows past the last whole MR-row tile, when few enough, computed by the packing tile as it packs; when
        // there are none (m = 64), the last two rows, leaving a six-row tile
        int lastRows = m % MR == 0 ? GemmEdgeRows.PACKING_ROWS : m % MR;
        boolean packingRows = prepacked == null && packGroup == GemmEdgeRows.PACKING_SLIVERS && lastRows > 0
                && lastRows <= GemmEdgeRows.PACKING_ROWS;
        boolean packedByTile = false;
        // with five- or six-row tiles, the one or two rows past the whole tiles go two adjacent slivers at a time (the same bits)
        int paired = MR < 8 && m > MR && m % MR <= GemmEdgeRows.PAIRED_ROWS && (prepacked != null || packGroup > 1) ? m % MR : 0;
        int groupCount = 0; // slivers in the group being used (packGroup > 1)
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean accumulate = p0 > 0 || beta != 0f;
            Epilogue tileEpilogue = p0 + kc == k ? finish : null;
            int aBlock = p0 * rowSlivers * MR;
            for (int js = sliverStart; js < sliverEnd; js++) {
                int j0 = js * NR;
                float[] sliver = work;
                int sliverAt = 0;
                if (prepacked == null && packGroup > 1) { // packGroup slivers in one sweep, then each in turn
                    int g = (js - sliverStart) % packGroup;
                    if (g == 0) {
                        int count = groupCount = Math.min(packGroup, sliverEnd - js);
                        packedByTile = packingRows && count == packGroup && j0 + count * NR <= n;
                        if (packedByTile) {
                            int first = m - lastRows; // its rows: first % MR onwards in A's sliver first / MR
                            GemmEdgeRows.packingTile(ap, aBlock + first / MR * MR * kc + first % MR, b, bOff + p0 * n + j0, n, kc,
                                    work, 0, c, cOff, n, first, lastRows, j0, accumulate, tileEpilogue, work, tile);
                        } else {
                            GemmPacking.packRowMajorB(n, b, bOff, j0, count, p0, kc, work, 0);
                        }
                    }
                    sliverAt = g * NR * kc;
                } else if (prepacked == null) {
                    packedB.pack(j0, p0, kc, work, 0);
                } else {
                    sliver = prepacked;
                    sliverAt = GemmPanels.sliverOffset(n, p0, kc, js);
                }
                // a pair: slivers 2i and 2i + 1 of those held side by side (the block's panels, or the group packed)
                int place = prepacked != null ? js - sliverStart : (js - sliverStart) % packGroup;
                int held = prepacked != null ? sliverEnd - sliverStart : groupCount;
                boolean pairs = paired > 0 && (place % 2 == 1 || place + 1 < held);
                int rowsLeft = packedByTile ? m - lastRows : pairs ? m - paired : m; // the packing tile or the pair computes the rest
                for (int i0 = 0; i0 < rowsLeft; i0 += MR) {
                    GemmMicroKernel.tile(ap, aBlock + i0 * kc, sliver, sliverAt, kc, c, cOff, n, i0, j0, Math.min(MR, rowsLeft - i0),
                            Math.min(NR, n - j0), accumulate, tileEpilogue, work, tile);
                }
                if (pairs && place % 2 == 1) {
                    int previousAt = prepacked != null ? GemmPanels.sliverOffset(n, p0, kc, js - 1) : sliverAt - NR * kc;
                    GemmEdgeRows.twoRowsOfTwoSlivers(ap, aBlock + rowsLeft * kc, sliver, previousAt, sliverAt, kc, c, cOff, n, rowsLeft,
                            paired, j0 - NR, Math.min(NR, n - j0), accumulate, tileEpilogue, work, tile);
                }
            }
        }
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
}
