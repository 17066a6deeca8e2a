package dev.netc.codegen.java.kernels;

import java.util.function.IntConsumer;

/**
 * Single-precision matrix multiply on row-major arrays, BLIS style: op(B) and op(A) are packed per
 * k block of {@link #KC}, then tasks of {@link #MC} rows x a range of NR-column slivers run the
 * register-blocked {@link GemmMicroKernel} over all cores.
 */
public final class Gemm {
    /** Depth of one packed k block: an A sliver (MR x KC) and a B sliver (KC x NR) stay in L1. */
    static final int KC = 256;
    /** Rows per task: an MC x KC block of packed A stays in L2. Multiple of MR. */
    static final int MC = 16 * GemmMicroKernel.MR;
    /** Below this many multiply-adds the fork/join costs more than it saves. */
    private static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final Scratch PACKED_A = new Scratch();
    private static final Scratch PACKED_B = new Scratch();

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

    /** The general entry point: {@link #sgemm} followed by the epilogue on every output element. */
    static void multiply(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                         float[] b, int bOff, float beta, float[] c, int cOff, Epilogue epilogue) {
        PanelSource packedB = (j0, p0, kc, dst, dstOff) ->
                GemmPacking.packB(transB, n, k, b, bOff, j0, p0, kc, dst, dstOff);
        multiply(transA, m, n, k, a, aOff, packedB, beta, c, cOff, epilogue);
    }

    /** Like the array form, with op(B) (k x n) supplied sliver by sliver by {@code packedB}. */
    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB,
                         float beta, float[] c, int cOff, Epilogue epilogue) {
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
        int kcMax = Math.min(KC, k);
        float[] ap = PACKED_A.atLeast(rowSlivers * mr * kcMax);
        float[] bp = PACKED_B.atLeast(colSlivers * nr * kcMax);

        boolean parallel = (long) m * n * k >= PARALLEL_MIN_WORK && Parallel.threads() > 1;
        // Row blocks of at most MC rows, their count a multiple of the thread count so no core idles at
        // the end; column blocks only when there are too few row blocks to keep every core busy.
        int threads = parallel ? Parallel.threads() : 1;
        int rowBlockCount = roundUp(ceilDiv(m, MC), threads);
        int rowSliversPerBlock = ceilDiv(rowSlivers, Math.min(rowSlivers, rowBlockCount));
        int rowBlocks = ceilDiv(rowSlivers, rowSliversPerBlock);
        int rowBlockHeight = rowSliversPerBlock * mr;
        int wantedColBlocks = rowBlocks >= 2 * threads ? 1 : roundUp(ceilDiv(2 * threads, rowBlocks), threads);
        int sliversPerBlock = ceilDiv(colSlivers, Math.min(colSlivers, wantedColBlocks));
        int colBlocks = ceilDiv(colSlivers, sliversPerBlock);

        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean accumulate = p0 > 0 || beta != 0f;
            Epilogue tileEpilogue = p0 + kc == k ? finish : null;
            int pc = p0;
            run(parallel, rowSlivers + colSlivers, s -> {
                if (s < rowSlivers) {
                    GemmPacking.packA(transA, m, k, a, aOff, s * mr, pc, kc, ap, s * mr * kc);
                } else {
                    int js = s - rowSlivers;
                    packedB.pack(js * nr, pc, kc, bp, js * nr * kc);
                }
            });
            run(parallel, rowBlocks * colBlocks, task -> {
                float[] tile = new float[mr * nr];
                int rowBlock = task % rowBlocks;
                int colBlock = task / rowBlocks;
                int rowEnd = Math.min(m, (rowBlock + 1) * rowBlockHeight);
                int sliverEnd = Math.min(colSlivers, (colBlock + 1) * sliversPerBlock);
                for (int js = colBlock * sliversPerBlock; js < sliverEnd; js++) {
                    int j0 = js * nr;
                    int cols = Math.min(nr, n - j0);
                    for (int i0 = rowBlock * rowBlockHeight; i0 < rowEnd; i0 += mr) {
                        GemmMicroKernel.tile(ap, i0 * kc, bp, js * nr * kc, kc, c, cOff, n,
                                i0, j0, Math.min(mr, m - i0), cols, accumulate, tileEpilogue, tile);
                    }
                }
            });
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
