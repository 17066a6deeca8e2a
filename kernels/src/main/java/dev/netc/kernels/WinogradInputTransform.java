package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd's input transform for F(2 x 2, 5 x 5): V = B^T d B of one 6 x 6 tile d, for a vector of channels, with
 * B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
 *
 * <p>Why two halves in registers: computed as B^T d for all 36 values, stored, and read back for the pass along the
 * rows, the transform spent as long on that round trip as on its arithmetic. Here each half of V's rows (three rows of
 * B^T d for all six columns: eighteen vectors) stays in registers, and the tile is read twice instead: in-process,
 * one tile and vector of channels 95-142 -> 75-107 ns with 16-float vectors, 66-74 -> 51-56 ns with 8 (Zen 4). Every
 * value is the same expression of the same operands as before, so the bits are unchanged. Names: zij is d[i][j], tij
 * row i of B^T d at column j.
 */
final class WinogradInputTransform {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    /** Tile side: rows of V are T * pointStride apart. */
    private static final int T = ConvWinograd.T;

    private WinogradInputTransform() {}

    /**
     * V = B^T d B for one tile and a vector of channels: d[i][j] at src[at + i * rowStride + j * colStride],
     * V[point] to dst[dstAt + point * pointStride].
     */
    static void apply(float[] src, int at, int rowStride, int colStride, float[] dst, int dstAt, int pointStride) {
        firstRows(src, at, rowStride, colStride, dst, dstAt, pointStride);
        lastRows(src, at, rowStride, colStride, dst, dstAt + 3 * T * pointStride, pointStride);
    }

    /** Rows 0-2 of V: rows 0-2 of B^T d, column by column (d's rows 0, 1, 2, 3, 4), then each along its row. */
    private static void firstRows(float[] src, int at, int rowStride, int colStride, float[] dst, int dstAt, int pointStride) {
        int c0 = at;
        FloatVector z00 = FloatVector.fromArray(S, src, c0), z10 = FloatVector.fromArray(S, src, c0 + rowStride), z20 = FloatVector.fromArray(S, src, c0 + 2 * rowStride);
        FloatVector z30 = FloatVector.fromArray(S, src, c0 + 3 * rowStride), z40 = FloatVector.fromArray(S, src, c0 + 4 * rowStride);
        FloatVector t00 = z00.mul(4f).add(z40).sub(z20.mul(5f));
        FloatVector t10 = z30.add(z40).sub(z10.add(z20).mul(4f));
        FloatVector t20 = z40.sub(z30).add(z10.sub(z20).mul(4f));
        int c1 = at + colStride;
        FloatVector z01 = FloatVector.fromArray(S, src, c1), z11 = FloatVector.fromArray(S, src, c1 + rowStride), z21 = FloatVector.fromArray(S, src, c1 + 2 * rowStride);
        FloatVector z31 = FloatVector.fromArray(S, src, c1 + 3 * rowStride), z41 = FloatVector.fromArray(S, src, c1 + 4 * rowStride);
        FloatVector t01 = z01.mul(4f).add(z41).sub(z21.mul(5f));
        FloatVector t11 = z31.add(z41).sub(z11.add(z21).mul(4f));
        FloatVector t21 = z41.sub(z31).add(z11.sub(z21).mul(4f));
        int c2 = at + 2 * colStride;
        FloatVector z02 = FloatVector.fromArray(S, src, c2), z12 = FloatVector.fromArray(S, src, c2 + rowStride), z22 = FloatVector.fromArray(S, src, c2 + 2 * rowStride);
        FloatVector z32 = FloatVector.fromArray(S, src, c2 + 3 * rowStride), z42 = FloatVector.fromArray(S, src, c2 + 4 * rowStride);
        FloatVector t02 = z02.mul(4f).add(z42).sub(z22.mul(5f));
        FloatVector t12 = z32.add(z42).sub(z12.add(z22).mul(4f));
        FloatVector t22 = z42.sub(z32).add(z12.sub(z22).mul(4f));
        int c3 = at + 3 * colStride;
        FloatVector z03 = FloatVector.fromArray(S, src, c3), z13 = FloatVector.fromArray(S, src, c3 + rowStride), z23 = FloatVector.fromArray(S, src, c3 + 2 * rowStride);
        FloatVector z33 = FloatVector.fromArray(S, src, c3 + 3 * rowStride), z43 = FloatVector.fromArray(S, src, c3 + 4 * rowStride);
        FloatVector t03 = z03.mul(4f).add(z43).sub(z23.mul(5f));
        FloatVector t13 = z33.add(z43).sub(z13.add(z23).mul(4f));
        FloatVector t23 = z43.sub(z33).add(z13.sub(z23).mul(4f));
        int c4 = at + 4 * colStride;
        FloatVector z04 = FloatVector.fromArray(S, src, c4), z14 = FloatVector.fromArray(S, src, c4 + rowStride), z24 = FloatVector.fromArray(S, src, c4 + 2 * rowStride);
        FloatVector z34 = FloatVector.fromArray(S, src, c4 + 3 * rowStride), z44 = FloatVector.fromArray(S, src, c4 + 4 * rowStride);
        FloatVector t04 = z04.mul(4f).add(z44).sub(z24.mul(5f));
        FloatVector t14 = z34.add(z44).sub(z14.add(z24).mul(4f));
        FloatVector t24 = z44.sub(z34).add(z14.sub(z24).mul(4f));
        int c5 = at + 5 * colStride;
        FloatVector z05 = FloatVector.fromArray(S, src, c5), z15 = FloatVector.fromArray(S, src, c5 + rowStride), z25 = FloatVector.fromArray(S, src, c5 + 2 * rowStride);
        FloatVector z35 = FloatVector.fromArray(S, src, c5 + 3 * rowStride), z45 = FloatVector.fromArray(S, src, c5 + 4 * rowStride);
        FloatVector t05 = z05.mul(4f).add(z45).sub(z25.mul(5f));
        FloatVector t15 = z35.add(z45).sub(z15.add(z25).mul(4f));
        FloatVector t25 = z45.sub(z35).add(z15.sub(z25).mul(4f));
        int row0 = dstAt;
        t00.mul(4f).add(t04).sub(t02.mul(5f)).intoArray(dst, row0);
        t03.add(t04).sub(t01.add(t02).mul(4f)).intoArray(dst, row0 + pointStride);
        t04.sub(t03).add(t01.sub(t02).mul(4f)).intoArray(dst, row0 + 2 * pointStride);
        t04.sub(t02).add(t03.sub(t01).mul(2f)).intoArray(dst, row0 + 3 * pointStride);
        t04.sub(t02).add(t01.sub(t03).mul(2f)).intoArray(dst, row0 + 4 * pointStride);
        t01.mul(4f).add(t05).sub(t03.mul(5f)).intoArray(dst, row0 + 5 * pointStride);
        int row1 = dstAt + T * pointStride;
        t10.mul(4f).add(t14).sub(t12.mul(5f)).intoArray(dst, row1);
        t13.add(t14).sub(t11.add(t12).mul(4f)).intoArray(dst, row1 + pointStride);
        t14.sub(t13).add(t11.sub(t12).mul(4f)).intoArray(dst, row1 + 2 * pointStride);
        t14.sub(t12).add(t13.sub(t11).mul(2f)).intoArray(dst, row1 + 3 * pointStride);
        t14.sub(t12).add(t11.sub(t13).mul(2f)).intoArray(dst, row1 + 4 * pointStride);
        t11.mul(4f).add(t15).sub(t13.mul(5f)).intoArray(dst, row1 + 5 * pointStride);
        int row2 = dstAt + 2 * T * pointStride;
        t20.mul(4f).add(t24).sub(t22.mul(5f)).intoArray(dst, row2);
        t23.add(t24).sub(t21.add(t22).mul(4f)).intoArray(dst, row2 + pointStride);
        t24.sub(t23).add(t21.sub(t22).mul(4f)).intoArray(dst, row2 + 2 * pointStride);
        t24.sub(t22).add(t23.sub(t21).mul(2f)).intoArray(dst, row2 + 3 * pointStride);
        t24.sub(t22).add(t21.sub(t23).mul(2f)).intoArray(dst, row2 + 4 * pointStride);
        t21.mul(4f).add(t25).sub(t23.mul(5f)).intoArray(dst, row2 + 5 * pointStride);
    }

    /** Rows 3-5 of V (dstAt: row 3's first point): rows 3-5 of B^T d, column by column (d's rows 1, 2, 3, 4, 5), then each along its row. */
    private static void lastRows(float[] src, int at, int rowStride, int colStride, float[] dst, int dstAt, int pointStride) {
        int c0 = at;
        FloatVector z10 = FloatVector.fromArray(S, src, c0 + rowStride), z20 = FloatVector.fromArray(S, src, c0 + 2 * rowStride), z30 = FloatVector.fromArray(S, src, c0 + 3 * rowStride);
        FloatVector z40 = FloatVector.fromArray(S, src, c0 + 4 * rowStride), z50 = FloatVector.fromArray(S, src, c0 + 5 * rowStride);
        FloatVector t30 = z40.sub(z20).add(z30.sub(z10).mul(2f));
        FloatVector t40 = z40.sub(z20).add(z10.sub(z30).mul(2f));
        FloatVector t50 = z10.mul(4f).add(z50).sub(z30.mul(5f));
        int c1 = at + colStride;
        FloatVector z11 = FloatVector.fromArray(S, src, c1 + rowStride), z21 = FloatVector.fromArray(S, src, c1 + 2 * rowStride), z31 = FloatVector.fromArray(S, src, c1 + 3 * rowStride);
        FloatVector z41 = FloatVector.fromArray(S, src, c1 + 4 * rowStride), z51 = FloatVector.fromArray(S, src, c1 + 5 * rowStride);
        FloatVector t31 = z41.sub(z21).add(z31.sub(z11).mul(2f));
        FloatVector t41 = z41.sub(z21).add(z11.sub(z31).mul(2f));
        FloatVector t51 = z11.mul(4f).add(z51).sub(z31.mul(5f));
        int c2 = at + 2 * colStride;
        FloatVector z12 = FloatVector.fromArray(S, src, c2 + rowStride), z22 = FloatVector.fromArray(S, src, c2 + 2 * rowStride), z32 = FloatVector.fromArray(S, src, c2 + 3 * rowStride);
        FloatVector z42 = FloatVector.fromArray(S, src, c2 + 4 * rowStride), z52 = FloatVector.fromArray(S, src, c2 + 5 * rowStride);
        FloatVector t32 = z42.sub(z22).add(z32.sub(z12).mul(2f));
        FloatVector t42 = z42.sub(z22).add(z12.sub(z32).mul(2f));
        FloatVector t52 = z12.mul(4f).add(z52).sub(z32.mul(5f));
        int c3 = at + 3 * colStride;
        FloatVector z13 = FloatVector.fromArray(S, src, c3 + rowStride), z23 = FloatVector.fromArray(S, src, c3 + 2 * rowStride), z33 = FloatVector.fromArray(S, src, c3 + 3 * rowStride);
        FloatVector z43 = FloatVector.fromArray(S, src, c3 + 4 * rowStride), z53 = FloatVector.fromArray(S, src, c3 + 5 * rowStride);
        FloatVector t33 = z43.sub(z23).add(z33.sub(z13).mul(2f));
        FloatVector t43 = z43.sub(z23).add(z13.sub(z33).mul(2f));
        FloatVector t53 = z13.mul(4f).add(z53).sub(z33.mul(5f));
        int c4 = at + 4 * colStride;
        FloatVector z14 = FloatVector.fromArray(S, src, c4 + rowStride), z24 = FloatVector.fromArray(S, src, c4 + 2 * rowStride), z34 = FloatVector.fromArray(S, src, c4 + 3 * rowStride);
        FloatVector z44 = FloatVector.fromArray(S, src, c4 + 4 * rowStride), z54 = FloatVector.fromArray(S, src, c4 + 5 * rowStride);
        FloatVector t34 = z44.sub(z24).add(z34.sub(z14).mul(2f));
        FloatVector t44 = z44.sub(z24).add(z14.sub(z34).mul(2f));
        FloatVector t54 = z14.mul(4f).add(z54).sub(z34.mul(5f));
        int c5 = at + 5 * colStride;
        FloatVector z15 = FloatVector.fromArray(S, src, c5 + rowStride), z25 = FloatVector.fromArray(S, src, c5 + 2 * rowStride), z35 = FloatVector.fromArray(S, src, c5 + 3 * rowStride);
        FloatVector z45 = FloatVector.fromArray(S, src, c5 + 4 * rowStride), z55 = FloatVector.fromArray(S, src, c5 + 5 * rowStride);
        FloatVector t35 = z45.sub(z25).add(z35.sub(z15).mul(2f));
        FloatVector t45 = z45.sub(z25).add(z15.sub(z35).mul(2f));
        FloatVector t55 = z15.mul(4f).add(z55).sub(z35.mul(5f));
        int row3 = dstAt;
        t30.mul(4f).add(t34).sub(t32.mul(5f)).intoArray(dst, row3);
        t33.add(t34).sub(t31.add(t32).mul(4f)).intoArray(dst, row3 + pointStride);
        t34.sub(t33).add(t31.sub(t32).mul(4f)).intoArray(dst, row3 + 2 * pointStride);
        t34.sub(t32).add(t33.sub(t31).mul(2f)).intoArray(dst, row3 + 3 * pointStride);
        t34.sub(t32).add(t31.sub(t33).mul(2f)).intoArray(dst, row3 + 4 * pointStride);
        t31.mul(4f).add(t35).sub(t33.mul(5f)).intoArray(dst, row3 + 5 * pointStride);
        int row4 = dstAt + T * pointStride;
        t40.mul(4f).add(t44).sub(t42.mul(5f)).intoArray(dst, row4);
        t43.add(t44).sub(t41.add(t42).mul(4f)).intoArray(dst, row4 + pointStride);
        t44.sub(t43).add(t41.sub(t42).mul(4f)).intoArray(dst, row4 + 2 * pointStride);
        t44.sub(t42).add(t43.sub(t41).mul(2f)).intoArray(dst, row4 + 3 * pointStride);
        t44.sub(t42).add(t41.sub(t43).mul(2f)).intoArray(dst, row4 + 4 * pointStride);
        t41.mul(4f).add(t45).sub(t43.mul(5f)).intoArray(dst, row4 + 5 * pointStride);
        int row5 = dstAt + 2 * T * pointStride;
        t50.mul(4f).add(t54).sub(t52.mul(5f)).intoArray(dst, row5);
        t53.add(t54).sub(t51.add(t52).mul(4f)).intoArray(dst, row5 + pointStride);
        t54.sub(t53).add(t51.sub(t52).mul(4f)).intoArray(dst, row5 + 2 * pointStride);
        t54.sub(t52).add(t53.sub(t51).mul(2f)).intoArray(dst, row5 + 3 * pointStride);
        t54.sub(t52).add(t51.sub(t53).mul(2f)).intoArray(dst, row5 + 4 * pointStride);
        t51.mul(4f).add(t55).sub(t53.mul(5f)).intoArray(dst, row5 + 5 * pointStride);
    }
}
