package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Gemm#sgemmRowBlocks}: every row handed over once, with the bits {@link Gemm#sgemm} stores. */
class GemmRowBlocksTest {

    static Stream<Arguments> cases() {
        // a dense layer's weight gradient (fan-in x fan-out, k the batch) in row blocks, with odd edges; one deeper than
        // a k block and wider than the shared B stretch; products the row-block form does not take (a few rows, the
        // dot-product form) or too short to split, handed over whole
        // and rows in one row block of the stored product (its few-rows form) but several blocks here (wide rows)
        int[][] sizes = {{3136 / 4 + 3, 1024 / 4 + 5, 50}, {700, 530, 37}, {301, 1030, 1100}, {97, 45, 13}, {3, 600, 70},
                {40, 30, 300}, {1, 1, 1}, {100, 2000, 30}, {50, 1100, 1100}};
        Stream.Builder<Arguments> all = Stream.builder();
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    all.add(Arguments.of(s[0], s[1], s[2], transA, transB));
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("cases")
    void handsOverEveryRowOnceWithTheStoredProductsBits(int m, int n, int k, boolean transA, boolean transB) {
        var random = new SplittableRandom(m * 13L + n * 3L + k + (transA ? 5000 : 0) + (transB ? 7000 : 0));
        int aOff = 4, bOff = 9;
        float[] a = Reference.random(random, aOff + m * k);
        float[] b = Reference.random(random, bOff + k * n);
        float[] stored = new float[m * n];
        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, 0f, stored, 0);

        float[] handed = new float[m * n];
        Arrays.fill(handed, Float.NaN);
        AtomicIntegerArray timesHanded = new AtomicIntegerArray(m);
        Gemm.sgemmRowBlocks(transA, transB, m, n, k, a, aOff, b, bOff, (firstRow, rows, block, offset) -> {
            for (int r = firstRow; r < firstRow + rows; r++) timesHanded.incrementAndGet(r);
            System.arraycopy(block, offset, handed, firstRow * n, rows * n);
        });

        for (int r = 0; r < m; r++) assertEquals(1, timesHanded.get(r), "row " + r + " handed over once");
        assertArrayEquals(stored, handed, "the same bits as the stored product");
    }

    @Test
    void aWeightGradientGoesOverInBlocksThatFitL2() {
        int m = 3136, n = 1024, k = 50;
        var random = new SplittableRandom(1);
        float[] a = Reference.random(random, m * k), b = Reference.random(random, k * n);
        AtomicIntegerArray largest = new AtomicIntegerArray(1);
        Gemm.sgemmRowBlocks(true, false, m, n, k, a, 0, b, 0, (firstRow, rows, block, offset) ->
                largest.accumulateAndGet(0, rows, Math::max));
        long blockBytes = (long) largest.get(0) * n * Float.BYTES;
        assertTrue(largest.get(0) < m, "split into blocks, not handed over whole");
        assertTrue(blockBytes <= Blocking.machine().caches().l2Bytes() / 4, blockBytes + " bytes per block");
    }
}
