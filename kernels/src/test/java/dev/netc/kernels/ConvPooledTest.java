package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pooled convolution and its pooled gradients against the unfused library calls they replace:
 * convolution then max pool (and argmax), and the gradients of the dense dy the argmax expands to.
 * Each path of Conv2d is hit: the row kernel (MNIST conv1), the implicit GEMM (conv2), im2col + GEMM
 * (few filters; col2im for backward-data), stride 2, 4x4 windows.
 */
class ConvPooledTest {

    /** A convolution and the window size pooling its output. */
    record Case(Reference.Conv conv, int size) {}

    static Stream<Case> cases() {
        return Stream.of(
                new Case(Reference.Conv.of(3, 1, 28, 28, 32, 5, 5, 1, 2, 2, 2, 2), 2),  // MNIST conv1: row kernel
                new Case(Reference.Conv.of(2, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2), 2), // MNIST conv2: implicit GEMM
                // one image (batch-1 inference): fewer images than cores, each convolution split over the cores
                new Case(Reference.Conv.of(1, 1, 28, 28, 32, 5, 5, 1, 2, 2, 2, 2), 2),
                new Case(Reference.Conv.of(1, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2), 2),
                new Case(Reference.Conv.of(2, 3, 8, 12, 5, 3, 3, 1, 1, 1, 1, 1), 4),    // im2col, 4x4 windows
                new Case(Reference.Conv.of(3, 2, 8, 8, 16, 3, 3, 2, 1, 0, 1, 0), 2),    // stride 2
                // shallow layers pooled in registers: three channels, 7 filters (a partial group of four), 18 pooled
                // columns (more than a vector), and asymmetric padding with a non-square kernel
                new Case(Reference.Conv.of(2, 3, 12, 36, 7, 3, 3, 1, 1, 1, 1, 1), 2),
                new Case(Reference.Conv.of(2, 2, 11, 10, 6, 3, 2, 1, 0, 1, 1, 0), 2),
                // five taps wide over two channels (the written-out five-tap tile on 8-float vectors), 6 filters
                new Case(Reference.Conv.of(2, 2, 10, 12, 6, 5, 5, 1, 2, 2, 2, 2), 2),
                // the implicit GEMM with 56 filters (the last vector of the second sliver partial)
                new Case(Reference.Conv.of(2, 8, 10, 12, 56, 3, 3, 1, 1, 1, 1, 1), 2),
                // 5 x 5 with 21 filters: backward-data by Winograd expands a vector of 16 gradient planes and 5 one by one
                new Case(Reference.Conv.of(2, 3, 10, 12, 21, 5, 5, 1, 2, 2, 2, 2), 2));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardPoolsWhatTheUnfusedCallsCompute(Case t) {
        Reference.Conv s = t.conv();
        var random = new SplittableRandom(s.hashCode());
        float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize()), bias = Reference.random(random, s.f());
        int poh = s.oh() / t.size(), pow = s.ow() / t.size(), pooledSize = s.n() * s.f() * poh * pow;
        float[] y = new float[s.ySize()], expectedPooled = new float[pooledSize];
        byte[] expectedArgmax = new byte[pooledSize];
        Conv2d.forwardBiasActivation(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), x, w, bias, Activation.RELU, y);
        Pooling.maxPoolArgmax(s.n(), s.f(), s.oh(), s.ow(), t.size(), t.size(), 0, 0, poh, pow, y, expectedArgmax);
        for (int i = 0; i < pooledSize; i++) expectedPooled[i] = y[cellOf(i, expectedArgmax[i], s, t.size())];

        float[] pooled = new float[pooledSize];
        byte[] argmax = new byte[pooledSize];
        ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(),
                x, w, bias, Activation.RELU, t.size(), pooled, argmax);
        float[] inferred = new float[pooledSize]; // inference: no argmax wanted
        ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(),
                x, w, bias, Activation.RELU, t.size(), inferred, null);
        if (winograd(s, t.size(), Activation.RELU)) { // rounds as Winograd does (ConvWinogradTest: against float64, argmax exact)
            assertPooledClose(y, expectedPooled, pooled, argmax, s, t.size(), "pooled " + t);
            assertClose(expectedPooled, inferred, "pooled without argmax (Winograd) " + t);
            return;
        }
        // the same engine computes each image either way: the same bits, and so the same winners
        assertArrayEquals(expectedPooled, pooled, "pooled " + t);
        assertArrayEquals(expectedArgmax, argmax, "argmax " + t);
        assertArrayEquals(expectedPooled, inferred, "pooled without argmax " + t);
    }

    /** Every activation, with and without bias, on the implicit-GEMM layers (their tiles are pooled channels last). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Activation.class)
    void everyActivationPoolsWhatTheUnfusedCallsCompute(Activation act) {
        for (Reference.Conv s : java.util.List.of(Reference.Conv.of(3, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2),
                Reference.Conv.of(2, 8, 10, 12, 56, 3, 3, 1, 1, 1, 1, 1))) {
            for (boolean withBias : new boolean[] {true, false}) {
                var random = new SplittableRandom(s.hashCode() + act.ordinal());
                float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize());
                float[] bias = withBias ? Reference.random(random, s.f()) : null;
                assertPoolsAsTheUnfusedCalls(s, x, w, bias, act, act + " bias " + withBias + " " + s);
            }
        }
    }

    /**
     * Windows that tie, sit wholly at or below ReLU's floor, or hold NaN, -0 or infinities, in the layers pooled in
     * registers (which activate after pooling): the same values and cells as activating first, to the bit.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Activation.class, names = {"RELU", "NONE"})
    void shallowLayersPoolSpecialValuesAsTheUnfusedCalls(Activation act) {
        for (Reference.Conv s : java.util.List.of(Reference.Conv.of(3, 1, 28, 28, 32, 5, 5, 1, 2, 2, 2, 2),
                Reference.Conv.of(2, 2, 10, 12, 6, 5, 5, 1, 2, 2, 2, 2))) {
            var random = new SplittableRandom(s.hashCode() + 7L * act.ordinal());
            float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize()), bias = new float[s.f()];
            for (int i = 0; i < x.length; i++) {
                int pick = random.nextInt(40);
                if (pick < special.length) x[i] = special[pick];
                else if (pick < 16) x[i] = 0f; // zero patches: windows of equal values, at the floor with a zero bias
            }
            for (int f = 0; f < s.f(); f++) bias[f] = f % 3 == 0 ? 0f : f % 3 == 1 ? -0.5f : 0.25f;
            float[] expected = assertPoolsAsTheUnfusedCalls(s, x, w, bias, act, act + " " + s);
            int nan = 0, floor = 0;
            for (float v : expected) {
                if (Float.isNaN(v)) nan++;
                if (v == 0f) floor++;
            }
            org.junit.jupiter.api.Assertions.assertTrue(nan > 0 && (act != Activation.RELU || floor > 0), "special windows exist");
        }
    }

    /**
     * ConvPooled.forward over 2 x 2 windows against Conv2d.forwardBiasActivation then PoolWindows.poolScalar: the same
     * values and cells, or within Winograd's rounding where it runs. Returns the expected pooled values.
     */
    private static float[] assertPoolsAsTheUnfusedCalls(Reference.Conv s, float[] x, float[] w, float[] bias, Activation act,
                                                        String what) {
        int pooledSize = s.n() * s.f() * (s.oh() / 2) * (s.ow() / 2);
        float[] y = new float[s.ySize()], expected = new float[pooledSize], pooled = new float[pooledSize];
        byte[] expectedArgmax = new byte[pooledSize], argmax = new byte[pooledSize];
        Conv2d.forwardBiasActivation(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), x, w, bias, act, y);
        PoolWindows.poolScalar(y, 0, s.n() * s.f(), s.oh(), s.ow(), 2, expected, expectedArgmax, 0);
        ConvPooled.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(),
                s.ow(), x, w, bias, act, 2, pooled, argmax);
        if (winograd(s, 2, act)) {
            assertPooledClose(y, expected, pooled, argmax, s, 2, what);
        } else {
            assertArrayEquals(expected, pooled, what);
            assertArrayEquals(expectedArgmax, argmax, what);
        }
        return expected;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gradientsOfTheExpandedGradientMatchTheDenseOnes(Case t) {
        Reference.Conv s = t.conv();
        var random = new SplittableRandom(31L * s.hashCode());
        float[] x = Reference.random(random, s.xSize()), w = Reference.random(random, s.wSize());
        int poh = s.oh() / t.size(), pow = s.ow() / t.size(), pooledSize = s.n() * s.f() * poh * pow;
        float[] dyPooled = Reference.random(random, pooledSize);
        byte[] argmax = new byte[pooledSize];
        for (int i = 0; i < pooledSize; i++) argmax[i] = (byte) random.nextInt(t.size() * t.size());
        float[] dy = new float[s.ySize()];
        for (int i = 0; i < pooledSize; i++) dy[cellOf(i, argmax[i], s, t.size())] = dyPooled[i];

        float[] expectedDx = new float[s.xSize()], dx = new float[s.xSize()];
        Conv2d.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(),
                dy, w, expectedDx);
        ConvPooled.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow(),
                t.size(), argmax, dyPooled, w, dx);
        if (t.size() == 2 && s.stride() == 1 && s.oh() % 2 == 0 && s.ow() % 2 == 0
                && ConvWinograd.suits(Conv2d.backwardDataGeometry(geometry(s)))) {
            assertClose(expectedDx, dx, "dx (Winograd) " + t);
        } else {
            assertArrayEquals(expectedDx, dx, "dx " + t);
        }

        float[] expectedDw = new float[s.wSize()], dw = new float[s.wSize()], expectedDb = new float[s.f()], db = new float[s.f()];
        Conv2d.backwardFilterBias(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(),
                s.ow(), x, dy, expectedDw, expectedDb);
        ConvPooled.backwardFilterBias(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(),
                s.ow(), x, t.size(), argmax, dyPooled, dw, db);
        if (ConvWinogradFilter.suits(geometry(s), t.size())) { // Winograd F(5 x 5, 2 x 2): rounds differently
            assertClose(expectedDw, dw, "dw (Winograd) " + t);
            assertClose(expectedDb, db, "dbias (Winograd) " + t);
            return;
        }
        assertArrayEquals(expectedDw, dw, "dw " + t);
        assertArrayEquals(expectedDb, db, "dbias " + t);
    }

    private static ConvGeometry geometry(Reference.Conv s) {
        return new ConvGeometry(s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(), s.oh(), s.ow());
    }

    /** Whether the pooled forward pass of s runs by Winograd here (AVX-512, 5 x 5, 16+ channels). */
    private static boolean winograd(Reference.Conv s, int size, Activation act) {
        return ConvWinograd.suitsPooled(geometry(s), size, act);
    }

    /** Equal within float32 rounding of the values' scale (1e-5 of the largest). */
    private static void assertClose(float[] expected, float[] actual, String what) {
        float scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > 1e-5f * scale) {
                throw new AssertionError(what + ": [" + i + "] = " + actual[i] + ", expected " + expected[i] + " (scale " + scale + ")");
            }
        }
    }

    /** Pooled values within rounding of the direct ones, each argmax naming a cell of y within rounding of the maximum. */
    private static void assertPooledClose(float[] y, float[] expected, float[] pooled, byte[] argmax, Reference.Conv s, int size,
                                          String what) {
        assertClose(expected, pooled, what);
        float scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            if (y[cellOf(i, argmax[i], s, size)] < expected[i] - 1e-5f * scale) {
                throw new AssertionError(what + ": argmax[" + i + "] names " + y[cellOf(i, argmax[i], s, size)] + ", the maximum is " + expected[i]);
            }
        }
    }

    /** The flat index in the convolution's output of the cell window {@code window} names by position {@code at}. */
    private static int cellOf(int window, int at, Reference.Conv s, int size) {
        int pow = s.ow() / size, poh = s.oh() / size;
        int plane = window / (poh * pow), py = (window / pow) % poh, px = window % pow;
        return (plane * s.oh() + py * size + at / size) * s.ow() + px * size + at % size;
    }
}
