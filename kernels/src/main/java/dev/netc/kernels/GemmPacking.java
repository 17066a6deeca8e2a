package dev.netc.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of op(A) and op(B) into the contiguous layouts the micro-kernel streams through.
 *
 * <p>A k-block of op(A) becomes row slivers of {@link GemmMicroKernel#MR} rows stored [kc][MR]; a k-block
 * of op(B) becomes column slivers of {@link GemmMicroKernel#NR} columns stored [kc][NR]. Slivers at the
 * matrix edge are zero-padded, so the micro-kernel always computes a full tile. Transposes are resolved
 * here, which is why the kernel itself never sees them.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs rows [i0, i0 + mr) x k-range [p0, p0 + kc) of op(A) (m x k) into dst at dstOff, [kc][mr]: mr is the GEMM's
     * {@link GemmMicroKernel#MR}, or {@link GemmMicroKernel#DIRECT_MR} for a direct convolution's weights.
     */
    static void packA(int mr, boolean transA, int m, int k, float[] a, int aOff, int i0, int p0, int kc,
                      float[] dst, int dstOff) {
        int rows = Math.min(mr, m - i0);
        if (rows < mr) {
            Arrays.fill(dst, dstOff, dstOff + kc * mr, 0f);
        }
        if (transA) {
            // op(A)(i, p) = a[p * m + i]: each p gives `rows` contiguous values.
            for (int p = 0; p < kc; p++) {
                System.arraycopy(a, aOff + (p0 + p) * m + i0, dst, dstOff + p * mr, rows);
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i0 + r) * k + p0;
                for (int p = 0; p < kc; p++) {
                    dst[dstOff + p * mr + r] = a[src + p];
                }
            }
        }
    }

    /** Packs columns [j0, j0 + NR) x k-range [p0, p0 + kc) of op(B) (k x n) into dst at dstOff. */
    static void packB(boolean transB, int n, int k, float[] b, int bOff, int j0, int p0, int kc,
                      float[] dst, int dstOff) {
        if (!transB) {
            packRowMajorB(n, b, bOff, j0, 1, p0, kc, dst, dstOff);
            return;
        }
        final int nr = GemmMicroKernel.NR;
        int cols = Math.min(nr, n - j0);
        if (cols < nr) {
            Arrays.fill(dst, dstOff, dstOff + kc * nr, 0f);
        }
        // op(B)(p, j) = b[j * k + p]: each column j is contiguous in p.
        for (int jj = 0; jj < cols; jj++) {
            int src = bOff + (j0 + jj) * k + p0;
            for (int p = 0; p < kc; p++) {
                dst[dstOff + p * nr + jj] = b[src + p];
            }
        }
    }

    /**
     * Packs {@code count} consecutive slivers of a row-major b (k x n) from column j0, k-range [p0, p0 + kc), one
     * after another from dstOff ([kc][NR] each, zero-padded past column n), in one sweep down b's rows: each row
     * gives count * NR contiguous floats. Packed one at a time, a sliver reads NR floats (two cache lines) of each
     * row, a page apart for a dense layer's W, and the next sliver comes back to the same rows: the few-rows
     * GEMM packs four at once ({@link Blocking#packGroup}; 50 x 1024 x 3136 on the Zen 5 machine, two cores, W hot:
     * 1.44-1.51 ms one at a time, 1.25-1.32 four; W evicted 1.60-1.81 against 1.52-1.54).
     */
    static void packRowMajorB(int n, float[] b, int bOff, int j0, int count, int p0, int kc, float[] dst, int dstOff) {
        final int nr = GemmMicroKernel.NR, vl = GemmMicroKernel.VL;
        int full = Math.max(0, Math.min(count, (n - j0) / nr)); // slivers with all NR columns inside b
        for (int p = 0; p < kc; p++) {
            int src = bOff + (p0 + p) * n + j0;
            for (int g = 0; g < full; g++) {
                // a full sliver row is exactly two vectors; copying them beats an arraycopy call per row
                int to = dstOff + g * nr * kc + p * nr;
                FloatVector.fromArray(GemmMicroKernel.S, b, src + g * nr).intoArray(dst, to);
                FloatVector.fromArray(GemmMicroKernel.S, b, src + g * nr + vl).intoArray(dst, to + vl);
            }
        }
        for (int g = full; g < count; g++) { // past the last full sliver: zero-padded
            int at = dstOff + g * nr * kc, first = j0 + g * nr, cols = Math.max(0, Math.min(nr, n - first));
            Arrays.fill(dst, at, at + kc * nr, 0f);
            if (cols > 0) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (p0 + p) * n + first, dst, at + p * nr, cols);
                }
            }
        }
    }
}
