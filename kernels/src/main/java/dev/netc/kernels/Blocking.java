package dev.netc.kernels;

/**
 * Block sizes of the GEMM-like kernels, derived from the vector width and this machine's caches the way
 * BLIS sizes its loops (Low et al., "Analytical modeling is enough for high-performance BLIS"): each packed
 * operand is given the cache level it is read from, and a fraction of it. The fractions are the ones measured
 * best on the two machines netc was tuned on, so those two get exactly their tuned blocks (the Zen 5, 16
 * lanes, 48 KiB L1d, 1 MiB L2: kc 1024, mc 128; the Zen 1, 8 lanes, 32 KiB L1d, 512 KiB L2: kc 256, mc 96),
 * and a machine with other caches gets blocks scaled to them. (Those were tuned with eight- and six-row tiles; with
 * today's twelve- and five-row tiles the same rules give mc 120 and 80 there.)
 *
 * @param caches             what the blocks were derived from
 * @param kc                 depth of one packed k block (a power of two)
 * @param mc                 rows of op(A) per row-block task, a multiple of the micro-kernel's MR
 * @param rowsOuterMaxFloats size of a packed k block of op(B) up to which a task walks its row slivers outermost
 * @param l2OperandFloats    the most floats of a small operand the dot-product and broadcast-rows GEMMs keep in L2
 * @param packGroup          B slivers the few-rows GEMM packs in one sweep down a row-major B's rows
 */
public record Blocking(CacheSizes caches, int kc, int mc, int rowsOuterMaxFloats, int l2OperandFloats, int packGroup) {
    private static final int MIN_KC = 64, MAX_KC = 1024;
    /** Row slivers per row-block task at most: enough work per task that the team's start-up is noise. */
    private static final int MAX_ROW_SLIVERS = 16;
    /**
     * Bytes of each row of a row-major B that one packing sweep reads at most. On AVX-512 that is four 32-float slivers,
     * the packing tile's width (eight were slower). With 8-float vectors it is eight 16-float slivers: four read 256
     * bytes a row, and the dense forward at a batch of 50 (no packing tile there) took 2.60 ms against 2.38 with eight,
     * W warm, and 2.84 against 2.65 with W just evicted (Zen 4, in-process alternation).
     */
    private static final int MAX_PACK_ROW_BYTES = 512;
    private static final Blocking MACHINE = of(GemmMicroKernel.VL, GemmMicroKernel.MR, GemmMicroKernel.NR, CacheSizes.detect());

    /** The blocks every kernel in this process uses. */
    public static Blocking machine() {
        return MACHINE;
    }

    /**
     * The blocks for a micro-kernel of mr rows x nr columns on vectors of {@code lanes} floats:
     * <ul>
     * <li>kc: with 16 or more lanes the micro-kernel has sixteen or more accumulators, enough fmas per B load to read
     * the B sliver (kc x nr) from L2, and a deep kc reads and writes C less often: the sliver takes an eighth
     * of L2. With fewer lanes (AVX2's sixteen registers, eight to twelve accumulators) the A and B slivers
     * ((mr + nr) x kc) stay in three quarters of L1d.</li>
     * <li>mc: an mc x kc block of packed A in half of L2, at most {@link #MAX_ROW_SLIVERS} slivers.</li>
     * <li>rowsOuterMaxFloats: a quarter of L2 (op(B)'s block stays there while C is written row by row).</li>
     * <li>l2OperandFloats: half of L2.</li>
     * <li>packGroup: B slivers (kc x nr each) packed in one sweep down B's rows, as many as half of L2 holds, at most
     * {@link #MAX_PACK_ROW_BYTES} of each row.</li>
     * </ul>
     */
    static Blocking of(int lanes, int mr, int nr, CacheSizes caches) {
        long bytesPerSliverRow = (long) nr * Float.BYTES;
        long kcBudget = lanes >= 16 ? caches.l2Bytes() / 8 / bytesPerSliverRow
                : caches.l1dBytes() * 3 / 4 / ((long) (mr + nr) * Float.BYTES);
        int kc = (int) Math.min(MAX_KC, Math.max(MIN_KC, Long.highestOneBit(Math.max(1, kcBudget))));
        long slivers = caches.l2Bytes() / 2 / ((long) kc * mr * Float.BYTES);
        int mc = mr * (int) Math.max(1, Math.min(MAX_ROW_SLIVERS, slivers));
        int rowsOuter = (int) Math.min(Integer.MAX_VALUE, caches.l2Bytes() / 4 / Float.BYTES);
        int l2Operand = (int) Math.min(Integer.MAX_VALUE, caches.l2Bytes() / 2 / Float.BYTES);
        long sliverBytes = (long) kc * nr * Float.BYTES;
        int packGroup = (int) Math.max(1, Math.min(MAX_PACK_ROW_BYTES / bytesPerSliverRow, caches.l2Bytes() / 2 / sliverBytes));
        return new Blocking(caches, kc, mc, rowsOuter, l2Operand, packGroup);
    }

    /** For reports: "GEMM blocks kc 1024, mc 128" (the caches they came from print themselves). */
    public String describe() {
        return "GEMM blocks kc " + kc + ", mc " + mc;
    }
}
