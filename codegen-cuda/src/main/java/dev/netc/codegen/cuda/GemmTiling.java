package dev.netc.codegen.cuda;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.StorageSlots;

/**
 * How one GEMM kernel is tiled: the block's output tile (bm x bn, 256 threads, k steps of 16) and the
 * number of split-K slices, chosen from the GEMM's sizes at a nominal batch and printed into the
 * kernel (the template takes them as compile-time constants).
 *
 * <p>The rule: a side of at most 32 gets a 32-wide tile (a 64-wide one would idle half its threads);
 * a GEMM whose output tiles give fewer than {@link #TARGET_BLOCKS} blocks and whose k holds at least
 * two slices of {@link #MIN_K_PER_SPLIT} is split along k, into as many slices as fill the target (at
 * most {@link #MAX_SPLITS}, and a workspace of at most {@link #MAX_WORKSPACE_FLOATS}). The slices' partial tiles go to a workspace; a second kernel adds them
 * in slice order (deterministic, no atomics) and applies the epilogue. The split count is fixed at
 * generation, so at other batch sizes a slice may be shorter or empty (empty slices write zeros).
 *
 * @param bm        tile rows (M direction)
 * @param bn        tile columns (N direction)
 * @param splits    split-K slices (1: not split)
 * @param precision FP32 on the CUDA cores, or TF32 on the tensor cores
 * @param m         the GEMM's M as a function of the batch
 * @param n         the GEMM's N
 * @param k         the GEMM's K (the reduced length)
 * @param aKFast    A(m, k) is contiguous along k (else along m): shapes the shared-memory tile
 * @param bNFast    B(k, n) is contiguous along n (else along k)
 * @param reason    why these were chosen, for {@code netc fusion --target cuda}
 * @param epilogueSharedFloats shared memory the kernel's epilogue declares besides the GEMM's tiles
 *                  (a pooled convolution's output tile), in floats
 */
public record GemmTiling(int bm, int bn, int splits, Precision precision, SizeExpr m, SizeExpr n, SizeExpr k, boolean aKFast, boolean bNFast,
                         String reason, int epilogueSharedFloats) {
    /** A tiling whose epilogue declares no shared memory. */
    public GemmTiling(int bm, int bn, int splits, Precision precision, SizeExpr m, SizeExpr n, SizeExpr k, boolean aKFast, boolean bNFast,
                      String reason) {
        this(bm, bn, splits, precision, m, n, k, aKFast, bNFast, reason, 0);
    }

    /** Arithmetic of the GEMM kernels. */
    public enum Precision {
        /** IEEE single precision on the CUDA cores: the same sums as the Java backend up to order. */ FP32,
        /** Operands rounded to TF32 (10-bit mantissa) on the tensor cores, sums in FP32 (sm_80+). */ TF32
    }

    /** Blocks a GEMM should have before it is split: two per SM of an H100 (132 SMs). */
    public static final int TARGET_BLOCKS = 264;
    /** The shortest k slice worth a split: 16 k steps of the tile. */
    public static final int MIN_K_PER_SPLIT = 256;
    /** The most split-K slices (bounds the reduction's reads per output). */
    public static final int MAX_SPLITS = 128;
    /** The largest split-K workspace at the nominal batch, in floats (16 MiB). */
    public static final long MAX_WORKSPACE_FLOATS = 4L << 20;
    /** The batch at which sizes are evaluated for the choice (the memory planner's). */
    public static final int NOMINAL_BATCH = StorageSlots.PLANNING_BATCH;
    /** Threads per GEMM block. */
    public static final int THREADS = 256;
    /** Depth of a k step. */
    public static final int BK = 16;

    /** Chooses the tile and split count of a GEMM of these sizes. */
    public static GemmTiling choose(SizeExpr m, SizeExpr n, SizeExpr k, boolean aKFast, boolean bNFast, Precision precision) {
        long mv = at(m, NOMINAL_BATCH), nv = at(n, NOMINAL_BATCH), kv = at(k, NOMINAL_BATCH);
        int bm = mv <= 32 ? 32 : 64, bn = nv <= 32 ? 32 : 64;
        long blocks = ceil(mv, bm) * ceil(nv, bn);
        String tile = (m.isKnown() && n.isKnown() && k.isKnown() ? "" : "sizes at batch " + NOMINAL_BATCH + ": ") + bm + " x " + bn + " tile" + (bm < 64 || bn < 64 ? " (a side of at most 32)" : "");
        if (blocks >= TARGET_BLOCKS)
            return new GemmTiling(bm, bn, 1, precision, m, n, k, aKFast, bNFast, tile + "; " + blocks + " output tiles fill the GPU: no split");
        long bySlices = kv / MIN_K_PER_SPLIT, byBlocks = Math.max(1, TARGET_BLOCKS / blocks);
        long byWorkspace = MAX_WORKSPACE_FLOATS / Math.max(1, mv * nv);
        int splits = (int) Math.min(Math.min(MAX_SPLITS, byWorkspace), Math.min(bySlices, byBlocks));
        String tiles = blocks + (blocks == 1 ? " output tile" : " output tiles");
        if (byBlocks < 2)
            return new GemmTiling(bm, bn, 1, precision, m, n, k, aKFast, bNFast, tile + "; " + tiles + " nearly fill the GPU: no split");
        if (splits < 2)
            return new GemmTiling(bm, bn, 1, precision, m, n, k, aKFast, bNFast, tile + "; " + tiles + ", k = " + kv + " too short to split");
        return new GemmTiling(bm, bn, splits, precision, m, n, k, aKFast, bNFast, tile + "; " + tiles + ", k = " + kv + " split " + splits
                + " ways (" + blocks * splits + " blocks)");
    }

    public boolean splitK() { return splits > 1; }

    /** The C++ type of the tile, e.g. {@code netc::GemmTile<32, 32>}. */
    public String tileType() {
        return "netc::GemmTile<" + bm + ", " + bn + (precision == Precision.TF32 ? ", netc::GemmPrecision::tf32" : "") + ">";
    }

    /** The split-K workspace's element count as a function of the batch (splits x M x N). */
    public SizeExpr workspaceCount() { return new SizeExpr(splits, 0).times(m).times(n); }

    /**
     * Static shared memory of a block: two stages of the A and B tiles, each laid out like its operand
     * with rows padded by 4 floats (as netc_gemm.cuh declares them), for TF32 the output tile, and what
     * the epilogue declares.
     */
    public int sharedBytes() {
        int a = aKFast ? bm * (BK + 4) : BK * (bm + 4);
        int b = bNFast ? BK * (bn + 4) : bn * (BK + 4);
        int c = precision == Precision.TF32 ? bm * (bn + 4) : 0;
        return 4 * (2 * (a + b) + c + epilogueSharedFloats);
    }

    /** Multiply-adds times two over the whole GEMM at a batch size. */
    public long flops(int batch) { return 2 * at(m, batch) * at(n, batch) * at(k, batch); }

    /** A size at a batch. */
    public static long at(SizeExpr s, int batch) {
        long v = s.known();
        for (int i = 0; i < s.batchPower(); i++) v *= batch;
        return v;
    }

    private static long ceil(long a, long b) { return (a + b - 1) / b; }
}
