package dev.netc.kernels;

import static dev.netc.kernels.Reference.assertClose;
import static dev.netc.kernels.Reference.assertRelativelyEqual;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class Conv2dTest {
    private static final double TOLERANCE = 1e-4;

    static Stream<Reference.Conv> shapes() {
        // n, c, h, w, f, kh, kw, stride, padTop, padBottom, padLeft, padRight
        return Stream.of(
                Reference.Conv.of(3, 1, 9, 11, 4, 5, 5, 1, 2, 2, 2, 2),    // "same" 5x5, c = 1
                Reference.Conv.of(2, 3, 10, 7, 5, 3, 3, 2, 1, 0, 0, 2),    // stride 2, asymmetric padding
                Reference.Conv.of(4, 3, 6, 5, 7, 1, 1, 1, 0, 0, 0, 0),     // pointwise 1x1
                Reference.Conv.of(2, 5, 7, 8, 3, 1, 1, 2, 1, 0, 0, 1),     // 1x1 with stride and padding
                Reference.Conv.of(1, 3, 13, 12, 9, 5, 5, 2, 2, 1, 1, 2),   // single image
                Reference.Conv.of(1, 8, 20, 19, 12, 3, 3, 1, 1, 1, 1, 1),  // single image big enough for a parallel GEMM
                Reference.Conv.of(5, 2, 8, 8, 6, 3, 2, 1, 0, 1, 1, 0),     // non-square kernel
                Reference.Conv.of(2, 7, 14, 14, 11, 5, 5, 1, 2, 2, 2, 2),  // deeper patch (k > vector tile)
                // shallow (positions on the lanes for the filter gradient): 27 taps and 7 filters leave partial tiles
                Reference.Conv.of(3, 3, 9, 13, 7, 3, 3, 1, 1, 1, 1, 1));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void forwardMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode());
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] y = new float[s.ySize()];
        Arrays.fill(y, Float.NaN); // output must be overwritten, never read
        Conv2d.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), x, w, y);
        assertClose(s.forward(x, w), y, 0, TOLERANCE, "forward " + s);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void fusedBiasActivationMatchesReference(Activation act) {
        Reference.Conv s = Reference.Conv.of(3, 2, 9, 10, 5, 3, 3, 1, 1, 1, 0, 2);
        var random = new SplittableRandom(act.ordinal());
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] bias = Reference.random(random, s.f());
        float[] y = new float[s.ySize()];
        Conv2d.forwardBiasActivation(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, w, bias, act, y);
        double[] expected = s.forward(x, w);
        int plane = s.oh() * s.ow();
        for (int i = 0; i < expected.length; i++) {
            double v = expected[i] + bias[(i / plane) % s.f()];
            expected[i] = switch (act) {
                case NONE -> v;
                case RELU -> Math.max(0, v);
                case SIGMOID -> 1 / (1 + Math.exp(-v));
                case TANH -> Math.tanh(v);
            };
        }
        assertClose(expected, y, 0, TOLERANCE, "fused " + act);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void backwardDataMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 1);
        float[] dy = Reference.random(random, s.ySize());
        float[] w = Reference.random(random, s.wSize());
        float[] dx = Reference.random(random, s.xSize()); // stale values must be overwritten
        Conv2d.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), dy, w, dx);
        assertClose(s.backwardData(dy, w), dx, 0, TOLERANCE, "backwardData " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void backwardFilterMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 2);
        float[] x = Reference.random(random, s.xSize());
        float[] dy = Reference.random(random, s.ySize());
        float[] dw = Reference.random(random, s.wSize()); // stale values must be overwritten
        Conv2d.backwardFilter(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, dy, dw);
        assertClose(s.backwardFilter(x, dy), dw, 0, TOLERANCE, "backwardFilter " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void gradientsAreAdjointsOfForward(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 3);
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] dy = Reference.random(random, s.ySize());
        float[] y = new float[s.ySize()];
        float[] dx = new float[s.xSize()];
        float[] dw = new float[s.wSize()];
        Conv2d.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), x, w, y);
        Conv2d.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), dy, w, dx);
        Conv2d.backwardFilter(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, dy, dw);
        double outputSide = Reference.dot(y, dy);
        assertRelativelyEqual(outputSide, Reference.dot(x, dx), TOLERANCE, "<conv(x), dy> vs <x, dx> " + s);
        assertRelativelyEqual(outputSide, Reference.dot(w, dw), TOLERANCE, "<conv(x), dy> vs <w, dw> " + s);
    }
}
