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

    /** Packs rows [i0, i0 + MR) x k-range [p0, p0 + kc) of op(A) (m x k) into dst at dstOff. */
    static void packA(boolean transA, int m, int k, float[] a, int aOff, int i0, int p0, int kc,
                      float[] dst, int dstOff) {
        final int mr = GemmMicroKernel.MR;
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
        final int nr = GemmMicroKernel.NR;
        int cols = Math.min(nr, n - j0);
        if (cols < nr) {
            Arrays.fill(dst, dstOff, dstOff + kc * nr, 0f);
        }
        if (transB) {
            // op(B)(p, j) = b[j * k + p]: each column j is contiguous in p.
            for (int jj = 0; jj < cols; jj++) {
                int src = bOff + (j0 + jj) * k + p0;
                for (int p = 0; p < kc; p++) {
                    dst[dstOff + p * nr + jj] = b[src + p];
                }
            }
        } else if (cols == nr) {
            // A full sliver row is exactly two vectors; copying them beats an arraycopy call per row.
            final int vl = GemmMicroKernel.VL;
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * n + j0;
                int to = dstOff + p * nr;
                FloatVector.fromArray(GemmMicroKernel.S, b, src).intoArray(dst, to);
                FloatVector.fromArray(GemmMicroKernel.S, b, src + vl).intoArray(dst, to + vl);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, bOff + (p0 + p) * n + j0, dst, dstOff + p * nr, cols);
            }
        }
    }
}
