package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A vector's worth of channels x a vector's worth of pixels of a planar image ([c][pixels]), transposed in registers
 * so that each pixel's channels are one vector, stored where the caller says: how {@link WinogradImages} makes its
 * channels-last images.
 *
 * <p>Why: gathering each pixel's channels (one plane apart) took 0.21 ms for 50 of the MNIST CNN's conv2 inputs (32 x 14
 * x 14, one core, Zen 4); loading rows of the planes and transposing them with two-vector permutes ({@code selectFrom})
 * takes 0.086, in either vector shape. The values are copied, not computed: the same bits.
 *
 * <p>How: log2(VL) rounds; in the round of distance d, rows i and i + d (i without bit d) trade their halves: the low
 * result takes lanes l without bit d from row i and the others from row i + d's lane l - d, the high result row i's
 * lane l + d and row i + d's lane l. Names: rN the loaded rows, then aN, bN, cN, dN after each round.
 */
final class ChannelsLastTranspose {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** Per round (distances VL / 2 down to 1): the lane indexes of the low and the high result, as selectFrom reads them. */
    private static final float[][] LOW = rounds(true), HIGH = rounds(false);
    /** Offsets of the rows of a VL x VL block, for {@link #toBlock} (read only). */
    private static final int[] BLOCK_ROWS = java.util.stream.IntStream.range(0, VL).map(q -> q * VL).toArray();

    private ChannelsLastTranspose() {}

    private static float[][] rounds(boolean low) {
        int count = Integer.numberOfTrailingZeros(VL);
        float[][] indexes = new float[count][VL];
        for (int round = 0; round < count; round++) {
            int d = VL >> (round + 1);
            for (int l = 0; l < VL; l++) {
                // selectFrom(v1, v2) reads lane i of v1 for i < VL, lane i - VL of v2 above
                indexes[round][l] = low ? ((l & d) == 0 ? l : l - d + VL) : ((l & d) == 0 ? l + d : l + VL);
            }
        }
        return indexes;
    }

    /**
     * VL rows of src, row i at srcAt + i * srcStride (VL floats each: a channel's consecutive pixels), transposed: the
     * vector of lane q of every row (pixel q's channels) to dst[at[q] + dstOff], for q below VL.
     */
    static void apply(float[] src, int srcAt, int srcStride, float[] dst, int[] at, int dstOff) {
        if (VL == 16) {
            transpose16(src, srcAt, srcStride, dst, at, dstOff);
        } else if (VL == 8) {
            transpose8(src, srcAt, srcStride, dst, at, dstOff);
        } else {
            for (int q = 0; q < VL; q++) { // another vector width: lane by lane, the same result
                for (int i = 0; i < VL; i++) dst[at[q] + dstOff + i] = src[srcAt + i * srcStride + q];
            }
        }
    }

    /** {@link #apply} into a VL x VL block at dst[dstAt ..]: lane q of every row to the block's row q. */
    static void toBlock(float[] src, int srcAt, int srcStride, float[] dst, int dstAt) {
        apply(src, srcAt, srcStride, dst, BLOCK_ROWS, dstAt);
    }

    /** transpose(VL = 16): rows i of src (at srcAt + i * srcStride, 16 floats each) become the vectors stored at dst[at[q] + dstOff]. */
    private static void transpose16(float[] src, int srcAt, int srcStride, float[] dst, int[] at, int dstOff) {
        FloatVector low8 = FloatVector.fromArray(S, LOW[0], 0), high8 = FloatVector.fromArray(S, HIGH[0], 0);
        FloatVector low4 = FloatVector.fromArray(S, LOW[1], 0), high4 = FloatVector.fromArray(S, HIGH[1], 0);
        FloatVector low2 = FloatVector.fromArray(S, LOW[2], 0), high2 = FloatVector.fromArray(S, HIGH[2], 0);
        FloatVector low1 = FloatVector.fromArray(S, LOW[3], 0), high1 = FloatVector.fromArray(S, HIGH[3], 0);
        FloatVector r0 = FloatVector.fromArray(S, src, srcAt), r1 = FloatVector.fromArray(S, src, srcAt + srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, srcAt + 2 * srcStride), r3 = FloatVector.fromArray(S, src, srcAt + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, srcAt + 4 * srcStride), r5 = FloatVector.fromArray(S, src, srcAt + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, srcAt + 6 * srcStride), r7 = FloatVector.fromArray(S, src, srcAt + 7 * srcStride);
        FloatVector r8 = FloatVector.fromArray(S, src, srcAt + 8 * srcStride), r9 = FloatVector.fromArray(S, src, srcAt + 9 * srcStride);
        FloatVector r10 = FloatVector.fromArray(S, src, srcAt + 10 * srcStride), r11 = FloatVector.fromArray(S, src, srcAt + 11 * srcStride);
        FloatVector r12 = FloatVector.fromArray(S, src, srcAt + 12 * srcStride), r13 = FloatVector.fromArray(S, src, srcAt + 13 * srcStride);
        FloatVector r14 = FloatVector.fromArray(S, src, srcAt + 14 * srcStride), r15 = FloatVector.fromArray(S, src, srcAt + 15 * srcStride);
        FloatVector a0 = low8.selectFrom(r0, r8), a8 = high8.selectFrom(r0, r8);
        FloatVector a1 = low8.selectFrom(r1, r9), a9 = high8.selectFrom(r1, r9);
        FloatVector a2 = low8.selectFrom(r2, r10), a10 = high8.selectFrom(r2, r10);
        FloatVector a3 = low8.selectFrom(r3, r11), a11 = high8.selectFrom(r3, r11);
        FloatVector a4 = low8.selectFrom(r4, r12), a12 = high8.selectFrom(r4, r12);
        FloatVector a5 = low8.selectFrom(r5, r13), a13 = high8.selectFrom(r5, r13);
        FloatVector a6 = low8.selectFrom(r6, r14), a14 = high8.selectFrom(r6, r14);
        FloatVector a7 = low8.selectFrom(r7, r15), a15 = high8.selectFrom(r7, r15);
        FloatVector b0 = low4.selectFrom(a0, a4), b4 = high4.selectFrom(a0, a4);
        FloatVector b1 = low4.selectFrom(a1, a5), b5 = high4.selectFrom(a1, a5);
        FloatVector b2 = low4.selectFrom(a2, a6), b6 = high4.selectFrom(a2, a6);
        FloatVector b3 = low4.selectFrom(a3, a7), b7 = high4.selectFrom(a3, a7);
        FloatVector b8 = low4.selectFrom(a8, a12), b12 = high4.selectFrom(a8, a12);
        FloatVector b9 = low4.selectFrom(a9, a13), b13 = high4.selectFrom(a9, a13);
        FloatVector b10 = low4.selectFrom(a10, a14), b14 = high4.selectFrom(a10, a14);
        FloatVector b11 = low4.selectFrom(a11, a15), b15 = high4.selectFrom(a11, a15);
        FloatVector c0 = low2.selectFrom(b0, b2), c2 = high2.selectFrom(b0, b2);
        FloatVector c1 = low2.selectFrom(b1, b3), c3 = high2.selectFrom(b1, b3);
        FloatVector c4 = low2.selectFrom(b4, b6), c6 = high2.selectFrom(b4, b6);
        FloatVector c5 = low2.selectFrom(b5, b7), c7 = high2.selectFrom(b5, b7);
        FloatVector c8 = low2.selectFrom(b8, b10), c10 = high2.selectFrom(b8, b10);
        FloatVector c9 = low2.selectFrom(b9, b11), c11 = high2.selectFrom(b9, b11);
        FloatVector c12 = low2.selectFrom(b12, b14), c14 = high2.selectFrom(b12, b14);
        FloatVector c13 = low2.selectFrom(b13, b15), c15 = high2.selectFrom(b13, b15);
        FloatVector d0 = low1.selectFrom(c0, c1), d1 = high1.selectFrom(c0, c1);
        FloatVector d2 = low1.selectFrom(c2, c3), d3 = high1.selectFrom(c2, c3);
        FloatVector d4 = low1.selectFrom(c4, c5), d5 = high1.selectFrom(c4, c5);
        FloatVector d6 = low1.selectFrom(c6, c7), d7 = high1.selectFrom(c6, c7);
        FloatVector d8 = low1.selectFrom(c8, c9), d9 = high1.selectFrom(c8, c9);
        FloatVector d10 = low1.selectFrom(c10, c11), d11 = high1.selectFrom(c10, c11);
        FloatVector d12 = low1.selectFrom(c12, c13), d13 = high1.selectFrom(c12, c13);
        FloatVector d14 = low1.selectFrom(c14, c15), d15 = high1.selectFrom(c14, c15);
        d0.intoArray(dst, at[0] + dstOff);
        d1.intoArray(dst, at[1] + dstOff);
        d2.intoArray(dst, at[2] + dstOff);
        d3.intoArray(dst, at[3] + dstOff);
        d4.intoArray(dst, at[4] + dstOff);
        d5.intoArray(dst, at[5] + dstOff);
        d6.intoArray(dst, at[6] + dstOff);
        d7.intoArray(dst, at[7] + dstOff);
        d8.intoArray(dst, at[8] + dstOff);
        d9.intoArray(dst, at[9] + dstOff);
        d10.intoArray(dst, at[10] + dstOff);
        d11.intoArray(dst, at[11] + dstOff);
        d12.intoArray(dst, at[12] + dstOff);
        d13.intoArray(dst, at[13] + dstOff);
        d14.intoArray(dst, at[14] + dstOff);
        d15.intoArray(dst, at[15] + dstOff);
    }

    /** transpose(VL = 8): rows i of src (at srcAt + i * srcStride, 8 floats each) become the vectors stored at dst[at[q] + dstOff]. */
    private static void transpose8(float[] src, int srcAt, int srcStride, float[] dst, int[] at, int dstOff) {
        FloatVector low4 = FloatVector.fromArray(S, LOW[0], 0), high4 = FloatVector.fromArray(S, HIGH[0], 0);
        FloatVector low2 = FloatVector.fromArray(S, LOW[1], 0), high2 = FloatVector.fromArray(S, HIGH[1], 0);
        FloatVector low1 = FloatVector.fromArray(S, LOW[2], 0), high1 = FloatVector.fromArray(S, HIGH[2], 0);
        FloatVector r0 = FloatVector.fromArray(S, src, srcAt), r1 = FloatVector.fromArray(S, src, srcAt + srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, srcAt + 2 * srcStride), r3 = FloatVector.fromArray(S, src, srcAt + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, srcAt + 4 * srcStride), r5 = FloatVector.fromArray(S, src, srcAt + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, srcAt + 6 * srcStride), r7 = FloatVector.fromArray(S, src, srcAt + 7 * srcStride);
        FloatVector a0 = low4.selectFrom(r0, r4), a4 = high4.selectFrom(r0, r4);
        FloatVector a1 = low4.selectFrom(r1, r5), a5 = high4.selectFrom(r1, r5);
        FloatVector a2 = low4.selectFrom(r2, r6), a6 = high4.selectFrom(r2, r6);
        FloatVector a3 = low4.selectFrom(r3, r7), a7 = high4.selectFrom(r3, r7);
        FloatVector b0 = low2.selectFrom(a0, a2), b2 = high2.selectFrom(a0, a2);
        FloatVector b1 = low2.selectFrom(a1, a3), b3 = high2.selectFrom(a1, a3);
        FloatVector b4 = low2.selectFrom(a4, a6), b6 = high2.selectFrom(a4, a6);
        FloatVector b5 = low2.selectFrom(a5, a7), b7 = high2.selectFrom(a5, a7);
        FloatVector c0 = low1.selectFrom(b0, b1), c1 = high1.selectFrom(b0, b1);
        FloatVector c2 = low1.selectFrom(b2, b3), c3 = high1.selectFrom(b2, b3);
        FloatVector c4 = low1.selectFrom(b4, b5), c5 = high1.selectFrom(b4, b5);
        FloatVector c6 = low1.selectFrom(b6, b7), c7 = high1.selectFrom(b6, b7);
        c0.intoArray(dst, at[0] + dstOff);
        c1.intoArray(dst, at[1] + dstOff);
        c2.intoArray(dst, at[2] + dstOff);
        c3.intoArray(dst, at[3] + dstOff);
        c4.intoArray(dst, at[4] + dstOff);
        c5.intoArray(dst, at[5] + dstOff);
        c6.intoArray(dst, at[6] + dstOff);
        c7.intoArray(dst, at[7] + dstOff);
    }
}
