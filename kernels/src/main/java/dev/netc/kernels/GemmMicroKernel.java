package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: an MR x NR tile of C (MR rows, two vectors per row) is held in
 * accumulators while the packed A sliver and packed B sliver stream by, one fma per accumulator per
 * k step. The row count follows the register file: with 16-float vectors (AVX-512: 32 registers) twelve
 * rows, 24 accumulators (the direct convolutions keep eight rows, {@link #DIRECT_MR}); with 8-float vectors
 * (AVX2: 16 registers) five rows, ten accumulators, two B vectors and a broadcast (the direct convolutions keep four).
 * Six rows there (twelve accumulators) left C2 one register short: it loads every row's broadcast before the first fma
 * and keeps an accumulator on the stack, a store and a load per k step in its fma chain. That costs nothing where a
 * 256-bit fma issues once a cycle (Zen 1, where the six-row tile was tuned), but halves the kernel where two issue (Zen 2
 * on, Haswell on): 50 against 107 GFLOP/s on one Zen 4 core in L1 under -XX:UseAVX=2. (MaxVectorSize=32 on an AVX-512
 * CPU hid it: C2 then has 32 registers.) Four rows' eight accumulators are just the fmas a core keeps in flight (two
 * pipes, four cycles), so any stall shows: in L1, depth 256, one Zen 5 core under -XX:UseAVX=2, five rows ran at
 * 104-108 GFLOP/s against 97-102 for four (in-process, alternating). 4-float vectors keep six rows (untuned).
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int MR = VL >= 16 ? 12 : VL == 8 ? 5 : 6;
    /**
     * Rows of the tile {@link #multiply} computes for the direct convolutions ({@link ConvRowKernel}'s filters,
     * {@link ConvImplicitGemm}'s output positions): eight on AVX-512, where the gathered kernel has eight too and 32 or 64
     * filters fill whole tiles; four with 8-float vectors, where 32 or 64 filters fill whole tiles too; else the GEMM's
     * {@link #MR}.
     */
    static final int DIRECT_MR = VL >= 16 ? 8 : VL == 8 ? 4 : MR;
    static final int NR = 2 * VL;

    private GemmMicroKernel() {}

    /**
     * Computes one tile: C[row0 .. row0+rows) x [col0 .. col0+cols) (+)= Apanel @ Bpanel.
     *
     * @param tile scratch of at least MR * NR floats at tileOff
     * @param accumulate add to the existing C values instead of overwriting them
     * @param epilogue applied before the store (only on the last k block), or null
     */
    static void tile(float[] ap, int apOff, float[] bp, int bpOff, int kc,
                     float[] c, int cOff, int ldc, int row0, int col0, int rows, int cols,
                     boolean accumulate, Epilogue epilogue, float[] tile, int tileOff) {
        int base = cOff + row0 * ldc + col0;
        if (epilogue == null && rows == MR && cols == NR) {
            // a whole tile without an epilogue: straight from the accumulators into c (added to c's values after a first
            // k block, the same tile + c as storeRows), without the round trip through the tile scratch. As AVX2 code
            // (k blocks of 256) that made sgemm 1024 1% and the dense forward at a batch of 50 2.5% faster on one Zen 5
            // core (medians of alternating blocks in one process); AVX-512 code, one k block of 1024, is unchanged
            multiplyRows(MR, ap, apOff, bp, bpOff, kc, c, base, ldc, accumulate);
            return;
        }
        // the last rows of a product (m = 50: two) with the smallest kernel that holds them: the same sums
        multiplyRows(rows, ap, apOff, bp, bpOff, kc, tile, tileOff, NR, false);
        storeRows(tile, tileOff, c, base, ldc, row0, rows, col0, cols, accumulate, epilogue);
    }

    /**
     * The first {@code rows} rows (at least 1, at most MR) of an MR-row panel (kc x MR) @ B (kc x NR, packed), by the
     * smallest of the 4-, 5-, 6-, 8- and 12-row kernels that holds them, row r stored at out[outOff + r * ld ..] (added to
     * what is there when accumulating: whole tiles only, whose MR rows take the 5-, 6- or 12-row kernel).
     */
    private static void multiplyRows(int rows, float[] ap, int apOff, float[] bp, int bpOff, int kc, float[] out, int outOff,
                                     int ld, boolean accumulate) {
        if (rows <= 4) {
            multiply4(ap, apOff, MR, bp, bpOff, null, kc, out, outOff, ld, accumulate);
        } else if (rows == 5) {
            multiply5(ap, apOff, MR, bp, bpOff, kc, out, outOff, ld, accumulate);
        } else if (rows <= 6) {
            multiply6(ap, apOff, MR, bp, bpOff, null, kc, out, outOff, ld, accumulate);
        } else if (rows <= 8) {
            if (accumulate) throw new IllegalStateException("no accumulating 8-row kernel (MR is " + MR + ")");
            multiply8(ap, apOff, MR, bp, bpOff, null, kc, out, outOff, ld);
        } else {
            multiply12(ap, apOff, bp, bpOff, kc, out, outOff, ld, accumulate);
        }
    }

    /** Rows [row0, row0 + rows) x cols columns of C from col0 (at c[base ..], rows ldc apart) (+)= the tile's rows, NR floats apart. */
    static void storeRows(float[] tile, int tileOff, float[] c, int base, int ldc, int row0, int rows, int col0, int cols,
                          boolean accumulate, Epilogue epilogue) {
        for (int r = 0; r < rows; r++) {
            int rowIndex = base + r * ldc;
            for (int half = 0; half < cols; half += VL) {
                int lanes = Math.min(VL, cols - half);
                if (lanes == VL) {
                    storeFull(tile, tileOff + r * NR + half, c, rowIndex + half, row0 + r, col0 + half, accumulate, epilogue);
                } else {
                    storePartial(tile, tileOff + r * NR + half, c, rowIndex + half, row0 + r, col0 + half, lanes,
                            accumulate, epilogue);
                }
            }
        }
    }

    /**
     * tile[tileOff ..][DIRECT_MR x NR] = Apanel (kc x DIRECT_MR) @ Bpanel (kc x NR), B packed: row p at bpOff + p * NR
     * (a direct convolution's gathered panel). Kept apart from the store logic so the JIT keeps the accumulators in registers.
     */
    static void multiply(float[] ap, int apOff, float[] bp, int bpOff, int kc, float[] tile, int tileOff) {
        multiply(ap, apOff, bp, bpOff, null, kc, tile, tileOff);
    }

    /**
     * The register-blocked loop behind the direct convolutions: tile[tileOff ..][DIRECT_MR x NR] = A (depth x DIRECT_MR,
     * packed) @ B (depth x NR), where row p of B starts at {@code b[bBase + rowOffsets[p]]} (an image's
     * filter taps, for a direct convolution), or at {@code b[bBase + p * NR]} (a packed panel) when
     * rowOffsets is null. The null test is loop-invariant, so the JIT unswitches it out of the loop.
     */
    static void multiply(float[] ap, int apOff, float[] b, int bBase, int[] rowOffsets, int depth,
                         float[] tile, int tileOff) {
        if (DIRECT_MR == 8) {
            multiply8(ap, apOff, 8, b, bBase, rowOffsets, depth, tile, tileOff, NR);
        } else if (DIRECT_MR == 4) {
            multiply4(ap, apOff, 4, b, bBase, rowOffsets, depth, tile, tileOff, NR, false);
        } else {
            multiply6(ap, apOff, 6, b, bBase, rowOffsets, depth, tile, tileOff, NR, false);
        }
    }

    /**
     * {@link #multiply} for six rows (4-float vectors; and the first six rows of a wider panel), row r of the tile stored at
     * tileOff + r * ld; A's rows for step p at ap[apOff + p * aStride ..]: the panel's row count.
     */
    private static void multiply6(float[] ap, int apOff, int aStride, float[] b, int bBase, int[] rowOffsets, int depth,
                                  float[] tile, int tileOff, int ld, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < depth; p++) {
            int bi = bBase + (rowOffsets == null ? p * NR : rowOffsets[p]);
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            int ai = apOff + p * aStride;
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        if (accumulate) { // tile + c, as storeRows adds
            c00 = c00.add(FloatVector.fromArray(S, tile, tileOff)); c01 = c01.add(FloatVector.fromArray(S, tile, tileOff + VL));
            c10 = c10.add(FloatVector.fromArray(S, tile, tileOff + ld)); c11 = c11.add(FloatVector.fromArray(S, tile, tileOff + ld + VL));
            c20 = c20.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld)); c21 = c21.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld + VL));
            c30 = c30.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld)); c31 = c31.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld + VL));
            c40 = c40.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld)); c41 = c41.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld + VL));
            c50 = c50.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld)); c51 = c51.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld + VL));
        }
        c00.intoArray(tile, tileOff);
        c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + 1 * ld);
        c11.intoArray(tile, tileOff + 1 * ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld);
        c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld);
        c31.intoArray(tile, tileOff + 3 * ld + VL);
        c40.intoArray(tile, tileOff + 4 * ld);
        c41.intoArray(tile, tileOff + 4 * ld + VL);
        c50.intoArray(tile, tileOff + 5 * ld);
        c51.intoArray(tile, tileOff + 5 * ld + VL);
    }

    /**
     * {@link #multiply} for eight rows (AVX-512's thirty-two registers), row r of the tile stored at tileOff + r * ld; A's
     * rows for step p at ap[apOff + p * aStride ..]: 8 for an eight-row panel, 12 for the first eight rows of a twelve-row one.
     */
    private static void multiply8(float[] ap, int apOff, int aStride, float[] b, int bBase, int[] rowOffsets, int depth,
                                  float[] tile, int tileOff, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < depth; p++) {
            int bi = bBase + (rowOffsets == null ? p * NR : rowOffsets[p]);
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            int ai = apOff + p * aStride;
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoArray(tile, tileOff);
        c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + ld);
        c11.intoArray(tile, tileOff + ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld);
        c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld);
        c31.intoArray(tile, tileOff + 3 * ld + VL);
        c40.intoArray(tile, tileOff + 4 * ld);
        c41.intoArray(tile, tileOff + 4 * ld + VL);
        c50.intoArray(tile, tileOff + 5 * ld);
        c51.intoArray(tile, tileOff + 5 * ld + VL);
        c60.intoArray(tile, tileOff + 6 * ld);
        c61.intoArray(tile, tileOff + 6 * ld + VL);
        c70.intoArray(tile, tileOff + 7 * ld);
        c71.intoArray(tile, tileOff + 7 * ld + VL);
    }

    /**
     * Twelve rows of a packed panel (AVX-512: 24 accumulators, the two B vectors and a few broadcasts in 32 registers)
     * @ B (kc x NR, packed), row r stored at tile[tileOff + r * ld ..]. Against eight rows it loads B once per 24 fmas
     * instead of 16, and its loop overhead is spread over half as many fmas again: on one core of the Xeon (two 512-bit
     * fma pipes), B in L1 / L2, 164-167 / 148-150 GFLOP/s with eight rows, 176-178 / 165-182 with twelve (peak 209).
     * C2 issues a few broadcasts ahead of their fmas here, not all twelve, so nothing spills. Two k steps per loop trip
     * halve the loop's scalar work per fma, which shares ports with the fmas: sgemm 1024 on one core 116-120 -> 123-124
     * GFLOP/s (from panels 128-129 -> 133-135), alternating runs. (The same for AVX2's four-row tile, then, gained nothing there.)
     */
    private static void multiply12(float[] ap, int apOff, float[] bp, int bpOff, int depth, float[] tile, int tileOff, int ld,
                                   boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        FloatVector c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        FloatVector a, b0, b1;
        int p = 0;
        for (; p + 1 < depth; p += 2) { // two k steps per trip: half the loop's scalar work per fma
            int bi = bpOff + p * NR, ai = apOff + p * 12;
            b0 = FloatVector.fromArray(S, bp, bi);
            b1 = FloatVector.fromArray(S, bp, bi + VL);
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(S, ap[ai + 11]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
            b0 = FloatVector.fromArray(S, bp, bi + NR);
            b1 = FloatVector.fromArray(S, bp, bi + NR + VL);
            a = FloatVector.broadcast(S, ap[ai + 12]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 13]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 14]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 15]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 16]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 17]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 18]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 19]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 20]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 21]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 22]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(S, ap[ai + 23]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        if (p < depth) { // an odd depth's last step
            int bi = bpOff + p * NR, ai = apOff + p * 12;
            b0 = FloatVector.fromArray(S, bp, bi);
            b1 = FloatVector.fromArray(S, bp, bi + VL);
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(S, ap[ai + 11]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        if (accumulate) { // tile + c, as storeRows adds
            c00 = c00.add(FloatVector.fromArray(S, tile, tileOff)); c01 = c01.add(FloatVector.fromArray(S, tile, tileOff + VL));
            c10 = c10.add(FloatVector.fromArray(S, tile, tileOff + ld)); c11 = c11.add(FloatVector.fromArray(S, tile, tileOff + ld + VL));
            c20 = c20.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld)); c21 = c21.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld + VL));
            c30 = c30.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld)); c31 = c31.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld + VL));
            c40 = c40.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld)); c41 = c41.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld + VL));
            c50 = c50.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld)); c51 = c51.add(FloatVector.fromArray(S, tile, tileOff + 5 * ld + VL));
            c60 = c60.add(FloatVector.fromArray(S, tile, tileOff + 6 * ld)); c61 = c61.add(FloatVector.fromArray(S, tile, tileOff + 6 * ld + VL));
            c70 = c70.add(FloatVector.fromArray(S, tile, tileOff + 7 * ld)); c71 = c71.add(FloatVector.fromArray(S, tile, tileOff + 7 * ld + VL));
            c80 = c80.add(FloatVector.fromArray(S, tile, tileOff + 8 * ld)); c81 = c81.add(FloatVector.fromArray(S, tile, tileOff + 8 * ld + VL));
            c90 = c90.add(FloatVector.fromArray(S, tile, tileOff + 9 * ld)); c91 = c91.add(FloatVector.fromArray(S, tile, tileOff + 9 * ld + VL));
            ca0 = ca0.add(FloatVector.fromArray(S, tile, tileOff + 10 * ld)); ca1 = ca1.add(FloatVector.fromArray(S, tile, tileOff + 10 * ld + VL));
            cb0 = cb0.add(FloatVector.fromArray(S, tile, tileOff + 11 * ld)); cb1 = cb1.add(FloatVector.fromArray(S, tile, tileOff + 11 * ld + VL));
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + ld); c11.intoArray(tile, tileOff + ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld); c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld); c31.intoArray(tile, tileOff + 3 * ld + VL);
        c40.intoArray(tile, tileOff + 4 * ld); c41.intoArray(tile, tileOff + 4 * ld + VL);
        c50.intoArray(tile, tileOff + 5 * ld); c51.intoArray(tile, tileOff + 5 * ld + VL);
        c60.intoArray(tile, tileOff + 6 * ld); c61.intoArray(tile, tileOff + 6 * ld + VL);
        c70.intoArray(tile, tileOff + 7 * ld); c71.intoArray(tile, tileOff + 7 * ld + VL);
        c80.intoArray(tile, tileOff + 8 * ld); c81.intoArray(tile, tileOff + 8 * ld + VL);
        c90.intoArray(tile, tileOff + 9 * ld); c91.intoArray(tile, tileOff + 9 * ld + VL);
        ca0.intoArray(tile, tileOff + 10 * ld); ca1.intoArray(tile, tileOff + 10 * ld + VL);
        cb0.intoArray(tile, tileOff + 11 * ld); cb1.intoArray(tile, tileOff + 11 * ld + VL);
    }

    /**
     * Five rows of a packed panel (A's rows for step p at ap[apOff + p * aStride ..]) @ a packed B sliver, row r of the tile at
     * tileOff + r * ld: the 8-float GEMM's tile (see the class comment), ten accumulators.
     */
    private static void multiply5(float[] ap, int apOff, int aStride, float[] bp, int bpOff, int depth, float[] tile, int tileOff,
                                  int ld, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector a, b0, b1;
        for (int p = 0; p < depth; p++) {
            int bi = bpOff + p * NR, ai = apOff + p * aStride;
            b0 = FloatVector.fromArray(S, bp, bi);
            b1 = FloatVector.fromArray(S, bp, bi + VL);
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
        }
        if (accumulate) { // tile + c, as storeRows adds
            c00 = c00.add(FloatVector.fromArray(S, tile, tileOff)); c01 = c01.add(FloatVector.fromArray(S, tile, tileOff + VL));
            c10 = c10.add(FloatVector.fromArray(S, tile, tileOff + ld)); c11 = c11.add(FloatVector.fromArray(S, tile, tileOff + ld + VL));
            c20 = c20.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld)); c21 = c21.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld + VL));
            c30 = c30.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld)); c31 = c31.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld + VL));
            c40 = c40.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld)); c41 = c41.add(FloatVector.fromArray(S, tile, tileOff + 4 * ld + VL));
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + ld); c11.intoArray(tile, tileOff + ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld); c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld); c31.intoArray(tile, tileOff + 3 * ld + VL);
        c40.intoArray(tile, tileOff + 4 * ld); c41.intoArray(tile, tileOff + 4 * ld + VL);
    }

    /**
     * {@link #multiply} for four rows, row r of the tile stored at tileOff + r * ld; A's rows for step p at
     * ap[apOff + p * aStride ..]: the panel's row count (4 for AVX2's direct convolutions; 5 or 12 for the first rows of a
     * wider panel: the last rows of a product, m = 50: a third of the work of the twelve-row kernel, the same sums).
     */
    private static void multiply4(float[] ap, int apOff, int aStride, float[] b, int bBase, int[] rowOffsets, int depth,
                                  float[] tile, int tileOff, int ld, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector a, b0, b1;
        for (int p = 0; p < depth; p++) {
            int bi = bBase + (rowOffsets == null ? p * NR : rowOffsets[p]), ai = apOff + p * aStride;
            b0 = FloatVector.fromArray(S, b, bi);
            b1 = FloatVector.fromArray(S, b, bi + VL);
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
        }
        if (accumulate) { // tile + c, as storeRows adds
            c00 = c00.add(FloatVector.fromArray(S, tile, tileOff)); c01 = c01.add(FloatVector.fromArray(S, tile, tileOff + VL));
            c10 = c10.add(FloatVector.fromArray(S, tile, tileOff + ld)); c11 = c11.add(FloatVector.fromArray(S, tile, tileOff + ld + VL));
            c20 = c20.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld)); c21 = c21.add(FloatVector.fromArray(S, tile, tileOff + 2 * ld + VL));
            c30 = c30.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld)); c31 = c31.add(FloatVector.fromArray(S, tile, tileOff + 3 * ld + VL));
        }
        c00.intoArray(tile, tileOff);
        c01.intoArray(tile, tileOff + VL);
        c10.intoArray(tile, tileOff + ld);
        c11.intoArray(tile, tileOff + ld + VL);
        c20.intoArray(tile, tileOff + 2 * ld);
        c21.intoArray(tile, tileOff + 2 * ld + VL);
        c30.intoArray(tile, tileOff + 3 * ld);
        c31.intoArray(tile, tileOff + 3 * ld + VL);
    }

    /** c[index ..] (+)= tile[from ..], then the epilogue; vectors stay inside (see {@link Activation}). */
    static void storeFull(float[] tile, int from, float[] c, int index, int row, int col,
                          boolean accumulate, Epilogue epilogue) {
        FloatVector v = FloatVector.fromArray(S, tile, from);
        if (accumulate) {
            v = v.add(FloatVector.fromArray(S, c, index));
        }
        v.intoArray(c, index);
        if (epilogue != null) {
            epilogue.applyVector(c, index, row, col);
        }
    }

    /**
     * The lanes of a partial tile row, in scalars: the same sums and epilogue (see {@link Epilogue#apply}), but no
     * masked vector store, whose fallback before C2 compiles it (a partial tile comes a few times a step, e.g. a
     * ten-class output layer) makes a boolean array per call.
     */
    private static void storePartial(float[] tile, int from, float[] c, int index, int row, int col, int lanes,
                                     boolean accumulate, Epilogue epilogue) {
        for (int q = 0; q < lanes; q++) {
            float v = accumulate ? tile[from + q] + c[index + q] : tile[from + q];
            c[index + q] = epilogue == null ? v : epilogue.apply(v, index + q, row, col + q);
        }
    }
}
