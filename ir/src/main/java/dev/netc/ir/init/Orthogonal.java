package dev.netc.ir.init;

import java.util.SplittableRandom;

/**
 * Keras's Orthogonal initialiser (gain 1): a seeded Gaussian matrix made orthonormal by modified
 * Gram-Schmidt, which is QR with the signs of R's diagonal made positive (what Keras does to make the
 * distribution uniform over orthogonal matrices). The parameter is viewed as [rows, cols] =
 * [prod(all but the last axis), last]; the shorter side's vectors come out orthonormal (a recurrent
 * kernel [U, 4U] gets orthonormal rows, as in Keras).
 */
final class Orthogonal {
    private Orthogonal() {}

    static void fill(double[] out, int[] shape, SplittableRandom rng) {
        if (out.length == 0) return;
        int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        int rows = out.length / cols;
        // Orthonormalise the k = min(rows, cols) vectors of length n = max(rows, cols).
        boolean byRows = rows <= cols;
        int k = byRows ? rows : cols, n = byRows ? cols : rows;
        double[][] v = new double[k][n];
        for (double[] vector : v)
            for (int j = 0; j < n; j++) vector[j] = rng.nextGaussian();
        for (int i = 0; i < k; i++) {
            for (int p = 0; p < i; p++) {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += v[i][j] * v[p][j];
                for (int j = 0; j < n; j++) v[i][j] -= dot * v[p][j];
            }
            double norm = 0;
            for (int j = 0; j < n; j++) norm += v[i][j] * v[i][j];
            norm = Math.sqrt(norm);
            // A Gaussian draw is linearly dependent on the others with probability zero; guard anyway.
            if (!(norm > 1e-12)) throw new IllegalStateException("orthogonal: degenerate draw");
            for (int j = 0; j < n; j++) v[i][j] /= norm;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) out[r * cols + c] = byRows ? v[r][c] : v[c][r];
    }
}
