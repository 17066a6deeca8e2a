package dev.netc.kernels;

/**
 * Single-precision matrix multiply on row-major arrays, BLIS style: op(B) and op(A) are packed per
 * k block of {@link #KC}, then tasks of {@link #MC} rows x a range of NR-column slivers run the
 * register-blocked {@link GemmMicroKernel} over all cores.
 */
public final class Gemm {
    /**
     * Depth of one packed k block, from the caches ({@link Blocking#of}). On the Zen 1 (AVX2, 8-float vectors)
     * 256: an A sliver (MR x KC) and a B sliver (KC x NR) stay in L1. On the Zen 5 (AVX-512, 16-float vectors)
     * 1024: the B sliver (128 KiB) streams from L2, and C is read and written a quarter as often as at 256: there
     * 512 was 5-12% faster than 256 (sgemm 512 and 1024), and 1024 again faster than 512 for a dense layer's
     * frozen panels (50 x 1024 x 3136: 0.87-0.90 against 0.95-0.99 ms) and as fast or faster for sgemm 512-2048.
     */
    static final int KC = Blocking.machine().kc();
    /** Rows per task: an MC x KC block of packed A stays in L2 ({@link Blocking#of}). Multiple of MR. */
    static final int MC = Blocking.machine().mc();
    /** Below this many multiply-adds the fork/join costs more than it saves. */
    static final long PARALLEL_MIN_WORK = 1L << 18;
    /** The state of a blocked product on this thread, reused call after call. */
    private static final CallFrames<GemmCall> CALLS = new CallFrames<>(GemmCall::new);

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
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff, Epilogue.of(null, bias, act));
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
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, packedB, beta, c, cOff, Epilogue.of(null, bias, act));
    }

    /**
     * c[m x n] = op(a) @ op(b) times step(gate): each element kept where the gate's element at the same place is
     * above zero and multiplied by 0 elsewhere (a ReLU's gradient mask, gate being the ReLU's output), applied as each
     * output tile is stored; the same bits as {@link #sgemm} followed by c[i] *= (gate[i] > 0 ? 1 : 0).
     *
     * @param gate laid out as c: element (i, j) at gate[cOff + i * n + j]
     * @param packedB op(b) already packed, or null (see {@link #sgemm(boolean, boolean, int, int, int, float[], int, float[], int, GemmPanels, float, float[], int)})
     */
    public static void sgemmGated(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                                  GemmPanels packedB, float[] gate, float[] c, int cOff) {
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, packedB, 0f, c, cOff, Epilogue.of(null, null, Activation.NONE, gate));
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
        if (GemmNarrow.suits(m, n, k, transB)) { // one vector of columns: b read in place, the panels not needed
            multiply(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff, epilogue);
            return;
        }
        multiply(transA, m, n, k, a, aOff, null, packedB.data, beta, c, cOff, epilogue);
    }

    /** A finished block of a product's rows, handed over instead of stored whole (see {@link #sgemmRowBlocks}). */
    @FunctionalInterface
    public interface RowBlockSink {
        /**
         * Rows [firstRow, firstRow + rows) of the product, row-major with n columns from block[offset]. The block is
         * the calling thread's scratch, valid during the call only; calls for disjoint rows run on several threads at once.
         */
        void accept(int firstRow, int rows, float[] block, int offset);
    }

    /** Floats of a row block handed to a {@link RowBlockSink}: a quarter of L2, so it stays there while the sink streams. */
    private static final int SINK_BLOCK_FLOATS = (int) Math.min(1 << 24, Blocking.machine().caches().l2Bytes() / 4 / Float.BYTES);
    private static final Scratch WHOLE_PRODUCT = new Scratch();

    /**
     * op(a) @ op(b) (as {@link #sgemm} with beta 0, the same bits), handed to {@code sink} block by block of rows as each
     * is finished, on the core that computed it, while it is still in that core's L2: a weight gradient feeds the
     * optimizer's update this way without being written to memory and read back (3136 x 1024 floats for the MNIST
     * CNN's dense layer). One parallel region over the row blocks; the sink runs inside it.
     */
    public static void sgemmRowBlocks(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                                      RowBlockSink sink) {
        if (m <= 0 || n <= 0) {
            return;
        }
        int blockRows = Math.max(GemmMicroKernel.MR, SINK_BLOCK_FLOATS / n / GemmMicroKernel.MR * GemmMicroKernel.MR);
        if (k > 0 && blockedByCall(transA, transB, m, n, k) && m > blockRows) {
            GemmCall call = CALLS.acquire();
            try {
                call.packingFrom(transB, b, bOff);
                call.runToSink(transA, m, n, k, a, aOff, blockRows, sink);
            } finally {
                CALLS.release(call);
            }
            return;
        }
        // a product the blocked form does not take, or too few rows to split: whole, then handed over at once
        float[] whole = WHOLE_PRODUCT.atLeast(Math.multiplyExact(m, n));
        multiply(transA, transB, m, n, k, a, aOff, b, bOff, 0f, whole, 0, Epilogue.NONE);
        sink.accept(0, m, whole, 0);
    }

    /** Whether {@link #multiply} hands this product to {@link GemmCall} rather than a special form. */
    private static boolean blockedByCall(boolean transA, boolean transB, int m, int n, int k) {
        boolean rowForms = transB && !transA && m > 0 && n > 0 && (GemmBroadcastRows.suits(m, n, k) || GemmDot.suits(m, k));
        return !rowForms && !(GemmFewRows.suits(m, n, transB) && k > 0);
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
        if (GemmNarrow.suits(m, n, k, transB)) {
            if (beta != 0f && beta != 1f) {
                scaleAndFinish(m, n, beta, c, cOff, null);
                beta = 1f;
            }
            GemmNarrow.multiply(transA, m, n, k, a, aOff, b, bOff, beta, c, cOff, epilogue.isIdentity() ? null : epilogue);
            return;
        }
        GemmCall call = CALLS.acquire();
        try {
            call.packingFrom(transB, b, bOff);
            call.run(transA, m, n, k, a, aOff, call.packFromB, null, beta, c, cOff, epilogue);
        } finally {
            CALLS.release(call);
        }
    }

    /**
     * Like the array form, with op(B) (k x n) supplied sliver by sliver by {@code packedB}, or already
     * packed whole in {@code prepacked} ({@link GemmPanels}' layout; packedB is then null): see {@link GemmCall}.
     */
    static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, PanelSource packedB,
                         float[] prepacked, float beta, float[] c, int cOff, Epilogue epilogue) {
        GemmCall call = CALLS.acquire();
        try {
            call.run(transA, m, n, k, a, aOff, packedB, prepacked, beta, c, cOff, epilogue);
        } finally {
            CALLS.release(call);
        }
    }

    /** c = beta * c (beta 0 clears without reading), then the epilogue if any; for k == 0 and odd betas. */
    static void scaleAndFinish(int m, int n, float beta, float[] c, int cOff, Epilogue finish) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int index = cOff + i * n + j;
                float value = beta == 0f ? 0f : beta * c[index];
                c[index] = finish == null ? value : finish.apply(value, index, i, j);
            }
        }
    }

    static int roundUp(int value, int multiple) {
        return ceilDiv(value, multiple) * multiple;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
