package dev.netc.kernels;

import static dev.netc.kernels.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> cases() {
        // Chosen to reach every path: the dot-product kernel for a @ b^T (k >= 32, small a) with row and
        // column leftovers; the packed kernel with shared or per-task B panels, rows or slivers outer,
        // several k blocks, op(B) packed in more than one stretch of k (130 x 1030 x 1100: over
        // SHARED_B_FLOATS), and edges that are not multiples of the 6 x 16 tile.
        int[][] sizes = {{37, 53, 29}, {1, 1, 1}, {7, 3, 300}, {130, 77, 513}, {200, 17, 40}, {5, 260, 9},
                {5, 300, 200}, {51, 70, 64}, {150, 300, 300}, {20, 1100, 260}, {130, 1030, 1100},
                // a few rows (batch 1 to 4) with b not transposed: the streaming kernel, with column leftovers
                {1, 200, 313}, {3, 133, 50}, {4, 70, 2000}, {2, 1030, 300},
                // one row and whole kilobyte-wide column runs (the sixteen-accumulator row tile), then leftovers;
                // then over more than one k block of panels (frozen weights at batch 1 read them in place)
                {1, 600, 70}, {1, 600, 1100},
                // a dense layer's batch (one row block, column blocks per core) over several 1024-deep k blocks
                {50, 70, 2100},
                // ... with four-sliver groups per column block, so the rows past the last whole tile (two, one)
                // are computed by the packing tile, then a group of one and a narrow last sliver that are not
                {50, 530, 2100}, {49, 530, 1100},
                // no rows past the last whole tile: the packing tile takes the last two, leaving a six-row tile; and six
                // rows past it (the six-row kernel everywhere)
                {64, 530, 1100}, {46, 530, 300},
                // at most one vector of columns (a classifier's head and its weight gradient): the narrow kernel when b is
                // not transposed
                {50, 10, 1030}, {1024, 10, 50}, {70, 1, 9}};
        Stream.Builder<Arguments> all = Stream.builder();
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 1f}) {
                        all.add(Arguments.of(s[0], s[1], s[2], transA, transB, beta));
                    }
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} beta={5}")
    @MethodSource("cases")
    void matchesFloat64Reference(int m, int n, int k, boolean transA, boolean transB, float beta) {
        var random = new SplittableRandom(m * 31L + n * 7L + k + (transA ? 1000 : 0) + (transB ? 2000 : 0));
        int aOff = 3, bOff = 5, cOff = 11;
        float[] a = Reference.random(random, aOff + m * k + 4);
        float[] b = Reference.random(random, bOff + k * n + 2);
        float[] c = Reference.random(random, cOff + m * n + 6);
        if (beta == 0f) {
            Arrays.fill(c, cOff, cOff + m * n, Float.NaN); // beta 0 must never read the old contents
        }
        float[] before = c.clone();
        double[] expected = Reference.gemm(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff);

        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff);

        assertClose(expected, c, cOff, TOLERANCE, "sgemm");
        for (int i = 0; i < cOff; i++) {
            assertEquals(before[i], c[i], "write before the output at " + i);
        }
        for (int i = cOff + m * n; i < c.length; i++) {
            assertEquals(before[i], c[i], "write after the output at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("activations")
    void biasActivationEpilogueMatchesUnfusedReference(Activation act) {
        epilogueCase(act, 45, 39, 270, true);
        epilogueCase(act, 3, 77, 150, false); // few rows: the streaming kernel's epilogue
        epilogueCase(act, 50, 530, 1100, false); // a dense layer's batch: the packing tile's epilogue too
    }

    private static void epilogueCase(Activation act, int m, int n, int k, boolean transB) {
        var random = new SplittableRandom(act.ordinal() + 77);
        float[] a = Reference.random(random, m * k);
        float[] b = Reference.random(random, n * k);
        float[] c = Reference.random(random, m * n);
        float[] bias = Reference.random(random, n);
        double[] expected = Reference.gemm(false, transB, m, n, k, a, 0, b, 0, 1f, c, 0);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = expected[i * n + j] + bias[j];
                expected[i * n + j] = switch (act) {
                    case NONE -> v;
                    case RELU -> Math.max(v, 0);
                    case SIGMOID -> 1 / (1 + Math.exp(-v));
                    case TANH -> Math.tanh(v);
                };
            }
        }

        Gemm.sgemmBiasActivation(false, transB, m, n, k, a, 0, b, 0, 1f, bias, act, c, 0);

        assertClose(expected, c, 0, TOLERANCE, "fused " + act + " m=" + m);
    }

    static Stream<Activation> activations() {
        return Arrays.stream(Activation.values());
    }

    @Test
    void emptyDepthScalesByBetaAndAppliesEpilogue() {
        float[] c = {1f, -2f, 3f, -4f};
        float[] bias = {0.5f, 0.25f};
        Gemm.sgemmBiasActivation(false, false, 2, 2, 0, new float[0], 0, new float[0], 0, 1f, bias,
                Activation.RELU, c, 0);
        assertClose(new double[] {1.5, 0, 3.5, 0}, c, 0, 0, "k = 0, beta = 1");

        Gemm.sgemm(false, false, 2, 2, 0, new float[0], 0, new float[0], 0, 0f, c, 0);
        assertClose(new double[] {0, 0, 0, 0}, c, 0, 0, "k = 0, beta = 0");
    }

    /**
     * a @ b^T by dot products (fewer than 16 rows): a row's results have the same bits whether it ran in a
     * 4 x 4 tile, a 3 x 4 tile, a 2 x 4 tile or alone (every dot product's lanes are summed by one fixed tree), so an
     * example's outputs do not depend on the small batch it is in.
     */
    @Test
    void dotProductRowsHaveTheSameBitsWhicheverTileRanThem() {
        int m = 11, n = 37, k = 300;
        var random = new SplittableRandom(42);
        float[] a = Reference.random(random, m * k), b = Reference.random(random, n * k);
        float[] all = new float[m * n];
        // AVX-512: rows 0-7 in 4 x 4 tiles, 8-9 in a 2 x 4, 10 alone; 8-float vectors: 0-8 in 3 x 4 tiles, 9-10 in a 2 x 4
        Gemm.sgemm(false, true, m, n, k, a, 0, b, 0, 0f, all, 0);
        for (int row = 0; row < m; row++) {
            float[] alone = new float[n];
            Gemm.sgemm(false, true, 1, n, k, a, row * k, b, 0, 0f, alone, 0);
            assertArrayEquals(alone, Arrays.copyOfRange(all, row * n, (row + 1) * n), "row " + row);
        }
    }
    /**
     * a @ b^T for a batch (16 rows or more: b's rows broadcast against slivers of a^T): each output is one
     * multiply-add chain in k order, so a row has the same bits in a wide sliver (48 rows, or 16 with 8-float
     * vectors) as in a narrow one (16, or 8), i.e. whatever batch of 16 or more it is in.
     */
    @Test
    void batchRowsHaveTheSameBitsWhicheverSliverRanThem() {
        int m = 64, n = 45, k = 150;
        var random = new SplittableRandom(43);
        float[] a = Reference.random(random, m * k), b = Reference.random(random, n * k);
        float[] all = new float[m * n];
        Gemm.sgemm(false, true, m, n, k, a, 0, b, 0, 0f, all, 0); // 16 floats: rows 0-47 one wide sliver, 48-63 a narrow one; 8: four wide slivers
        // 16 rows: one narrow sliver (16 floats) or one wide one (8); 24 rows: 16 floats two narrow slivers, 8 a wide and a narrow
        for (int[] batch : new int[][] {{0, 16}, {32, 16}, {48, 16}, {40, 24}}) {
            int first = batch[0], rows = batch[1];
            float[] some = new float[rows * n];
            Gemm.sgemm(false, true, rows, n, k, a, first * k, b, 0, 0f, some, 0);
            assertArrayEquals(Arrays.copyOfRange(all, first * n, (first + rows) * n), some, "rows " + first + "-" + (first + rows - 1));
        }
    }

    /**
     * a @ b^T for a batch, against the order {@link GemmBroadcastRows} documents, to the bit: a row in a sliver of a^T
     * is one fma chain in k order; each of the last m % VL rows, when at most four, is VL lanes of fma chains (lane l
     * takes steps l, l + VL, ... below the last whole vector) summed in order, then the scalar tail. k = 1100 runs the
     * last sliver and those dot products in chunks of k, with a partial chunk and a tail; n = 37 leaves a short block of
     * b rows.
     */
    @ParameterizedTest(name = "m={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {50, 49, 52, 20, 36})
    void batchRowsKeepTheirDocumentedOrderToTheBit(int m) {
        int n = 37, k = 1100, vl = GemmMicroKernel.VL;
        org.junit.jupiter.api.Assumptions.assumeTrue(GemmBroadcastRows.suits(m, n, k), "b's rows broadcast (8- or 16-float vectors)");
        var random = new SplittableRandom(m * 7L);
        float[] a = Reference.random(random, m * k), b = Reference.random(random, n * k), c = new float[m * n];
        Gemm.sgemm(false, true, m, n, k, a, 0, b, 0, 0f, c, 0);
        int dotRows = m % vl <= 4 ? m % vl : 0, lanesEnd = k / vl * vl;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float expected = 0f;
                if (i < m - dotRows) {
                    for (int p = 0; p < k; p++) expected = Math.fma(b[j * k + p], a[i * k + p], expected);
                } else {
                    float[] lanes = new float[vl];
                    for (int p = 0; p < lanesEnd; p++) lanes[p % vl] = Math.fma(a[i * k + p], b[j * k + p], lanes[p % vl]);
                    for (float lane : lanes) expected += lane;
                    for (int p = lanesEnd; p < k; p++) expected += a[i * k + p] * b[j * k + p];
                }
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(c[i * n + j]), "row " + i + ", column " + j);
            }
        }
    }

    /**
     * The rows past a dense layer's whole register tiles (a batch of 50: two; 49: one) run through kernels of their own
     * (the packing tile with eight-row tiles, two slivers at a time with six-row ones), and must give those rows the
     * bits a whole tile gives them: the same product with rows appended, so that these rows sit inside whole tiles,
     * agrees bit for bit on the rows both have, packing b per call or reading it from panels, with a bias and ReLU.
     */
    @ParameterizedTest(name = "m={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {49, 50})
    void rowsPastTheWholeTilesGetTheWholeTilesBits(int m) {
        int longer = 56, n = 530, k = 1100; // 56 rows: whole tiles of eight and of six up to row 48 or beyond
        var random = new SplittableRandom(m);
        float[] a = Reference.random(random, longer * k), b = Reference.random(random, k * n), bias = Reference.random(random, n);
        GemmPanels panels = GemmPanels.pack(false, k, n, b, 0);
        for (GemmPanels source : new GemmPanels[] {null, panels}) {
            float[] few = new float[m * n], all = new float[longer * n];
            Gemm.sgemmBiasActivation(false, false, m, n, k, a, 0, b, 0, source, 0f, bias, Activation.RELU, few, 0);
            Gemm.sgemmBiasActivation(false, false, longer, n, k, a, 0, b, 0, source, 0f, bias, Activation.RELU, all, 0);
            assertArrayEquals(Arrays.copyOf(all, m * n), few, source == null ? "packing b per call" : "from panels");
        }
    }

    /**
     * A product reading op(B) from {@link GemmPanels} packed once matches the float64 reference, and where
     * b is not transposed it has the same bits as the product that packs b itself (the dot-product form a
     * transposed b takes otherwise sums in another order).
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} beta={5}")
    @MethodSource("cases")
    void prepackedPanelsMatchThePerCallProduct(int m, int n, int k, boolean transA, boolean transB, float beta) {
        var random = new SplittableRandom(m * 17L + n * 5L + k + (transA ? 3000 : 0) + (transB ? 4000 : 0));
        int aOff = 2, bOff = 7, cOff = 3;
        float[] a = Reference.random(random, aOff + m * k);
        float[] b = Reference.random(random, bOff + k * n);
        float[] c = Reference.random(random, cOff + m * n + 5);
        float[] perCall = c.clone();
        double[] expected = Reference.gemm(transA, transB, m, n, k, a, aOff, b, bOff, beta, c, cOff);
        GemmPanels panels = GemmPanels.pack(transB, k, n, b, bOff);

        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, panels, beta, c, cOff);
        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, beta, perCall, cOff);

        assertClose(expected, c, cOff, TOLERANCE, "sgemm from panels");
        if (!transB) assertArrayEquals(perCall, c, "the same bits as packing b per call");
    }

    /**
     * The gated product (a ReLU's gradient mask applied as each tile is stored) has the bits of the product followed by
     * the elementwise c *= step(gate) the generated code would run, on every path (beta only varies the seed here: the
     * gated product overwrites c). The gate holds positives, negatives, zeros and NaN.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} beta={5}")
    @MethodSource("cases")
    void gatedProductIsTheProductTimesStepOfTheGate(int m, int n, int k, boolean transA, boolean transB, float beta) {
        var random = new SplittableRandom(m * 13L + n * 3L + k + (transA ? 5000 : 0) + (transB ? 6000 : 0) + (beta == 0f ? 0 : 7000));
        int aOff = 2, bOff = 7, cOff = 3;
        float[] a = Reference.random(random, aOff + m * k);
        float[] b = Reference.random(random, bOff + k * n);
        float[] gate = Reference.random(random, cOff + m * n + 5);
        for (int i = cOff; i < cOff + m * n; i += 7) gate[i] = (i / 7) % 3 == 0 ? 0f : (i / 7) % 3 == 1 ? -0f : Float.NaN;
        float[] expected = new float[cOff + m * n + 5], c = expected.clone();
        Gemm.sgemm(transA, transB, m, n, k, a, aOff, b, bOff, 0f, expected, cOff);
        for (int i = cOff; i < cOff + m * n; i++) expected[i] *= gate[i] > 0f ? 1f : 0f;

        Gemm.sgemmGated(transA, transB, m, n, k, a, aOff, b, bOff, null, gate, c, cOff);
        assertArrayEquals(expected, c, "gated in the store = gated after");
        if (!transB) {
            float[] fromPanels = new float[c.length];
            Gemm.sgemmGated(transA, transB, m, n, k, a, aOff, b, bOff, GemmPanels.pack(transB, k, n, b, bOff), gate, fromPanels, cOff);
            assertArrayEquals(expected, fromPanels, "gated from panels");
        }
    }

    @Test
    void panelsOfAnotherMatrixAreRefused() {
        float[] a = new float[6], b = new float[6], other = new float[6], c = new float[4];
        GemmPanels panels = GemmPanels.pack(false, 3, 2, other, 0);
        var error = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, a, 0, b, 0, panels, 0f, c, 0));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("another matrix"), error.getMessage());
    }

    @Test
    void packedOperandsPackOnlyWhileEnabledAndForgetWhenToggled() {
        float[] w = new float[12];
        PackedOperands cache = new PackedOperands();
        org.junit.jupiter.api.Assertions.assertNull(cache.panels(false, 3, 4, w), "off: nothing packed");
        cache.enable(true);
        GemmPanels first = cache.panels(false, 3, 4, w);
        org.junit.jupiter.api.Assertions.assertSame(first, cache.panels(false, 3, 4, w), "packed once while on");
        org.junit.jupiter.api.Assertions.assertNotSame(first, cache.panels(true, 4, 3, w), "another view of w: packed anew");
        cache.enable(false);
        org.junit.jupiter.api.Assertions.assertNull(cache.panels(false, 3, 4, w));
        cache.enable(true);
        org.junit.jupiter.api.Assertions.assertNotSame(first, cache.panels(false, 3, 4, w), "toggling drops what was packed");
    }
}
