package dev.netc.kernels;

import static dev.netc.kernels.Reference.assertClose;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The implicit-GEMM convolution on shapes chosen to hit its edges: filter counts that are not whole
 * 16-lane slivers (both through {@link ConvImplicitGemm} directly and through {@link Conv2d} where it
 * picks that path), output planes that are not whole 6-position blocks, stride 2, asymmetric and
 * oversized padding, batches smaller than the core count. All against float64 loops.
 */
class ConvImplicitGemmTest {
    private static final double TOLERANCE = 1e-4;

    static Stream<Reference.Conv> shapes() {
        // n, c, h, w, f, kh, kw, stride, padTop, padBottom, padLeft, padRight
        return Stream.of(
                Reference.Conv.of(3, 1, 28, 28, 32, 5, 5, 1, 2, 2, 2, 2),   // MNIST conv1
                Reference.Conv.of(2, 32, 14, 14, 64, 5, 5, 1, 2, 2, 2, 2),  // MNIST conv2
                Reference.Conv.of(3, 3, 9, 11, 17, 5, 5, 1, 2, 2, 2, 2),    // one lane past a sliver
                Reference.Conv.of(2, 5, 10, 7, 13, 3, 3, 2, 1, 0, 0, 2),    // stride 2, asymmetric padding
                Reference.Conv.of(1, 4, 13, 12, 33, 5, 5, 2, 2, 1, 1, 2),   // single image, split in slices
                Reference.Conv.of(5, 2, 8, 8, 16, 3, 2, 1, 0, 1, 1, 0),     // non-square kernel
                Reference.Conv.of(2, 3, 7, 5, 20, 3, 3, 1, 3, 3, 3, 3),     // padding wider than the kernel
                Reference.Conv.of(2, 6, 5, 6, 12, 1, 1, 1, 0, 0, 0, 0),     // pointwise
                Reference.Conv.of(3, 16, 6, 7, 3, 3, 3, 1, 1, 1, 1, 1),     // few filters, many channels
                // Shallow stride-1 filters with rows of 16+ outputs take ConvRowKernel in Conv2d.forward:
                Reference.Conv.of(2, 2, 9, 17, 7, 3, 3, 1, 1, 1, 1, 1),     // overlapping last tile, 7 filters
                Reference.Conv.of(1, 1, 20, 16, 13, 5, 5, 1, 2, 2, 2, 2),   // one exact tile, one image in bands
                Reference.Conv.of(3, 2, 6, 33, 12, 3, 5, 1, 0, 2, 2, 2),    // non-square kernel, three tiles
                Reference.Conv.of(2, 2, 7, 21, 9, 3, 3, 1, 1, 1, 1, 1));    // rows narrower than a 32-column tile (masked)
    }

    private static ConvGeometry geometry(Reference.Conv s) {
        return new ConvGeometry(s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow());
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void forwardMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode());
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] bias = Reference.random(random, s.f());
        float[] y = new float[s.ySize()];
        Arrays.fill(y, Float.NaN);
        float[] packed = ConvImplicitGemm.packWeights(s.f(), s.c() * s.kh() * s.kw(), w);
        ConvImplicitGemm.forward(s.n(), geometry(s), x, packed, bias, Activation.RELU, y);
        double[] expected = s.forward(x, w);
        int plane = s.oh() * s.ow();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Math.max(0, expected[i] + bias[(i / plane) % s.f()]);
        }
        assertClose(expected, y, 0, TOLERANCE, "implicit forward " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void conv2dMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 1);
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] dy = Reference.random(random, s.ySize());
        float[] y = new float[s.ySize()];
        float[] dx = Reference.random(random, s.xSize()); // stale values must be overwritten
        float[] dw = Reference.random(random, s.wSize());
        Conv2d.forward(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(), s.padLeft(),
                s.oh(), s.ow(), x, w, y);
        assertClose(s.forward(x, w), y, 0, TOLERANCE, "forward " + s);
        Conv2d.backwardData(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), dy, w, dx);
        assertClose(s.backwardData(dy, w), dx, 0, TOLERANCE, "backwardData " + s);
        Conv2d.backwardFilter(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, dy, dw);
        assertClose(s.backwardFilter(x, dy), dw, 0, TOLERANCE, "backwardFilter " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fusedConv2dMatchesReference(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 4);
        float[] x = Reference.random(random, s.xSize());
        float[] w = Reference.random(random, s.wSize());
        float[] bias = Reference.random(random, s.f());
        float[] y = new float[s.ySize()];
        Arrays.fill(y, Float.NaN);
        Conv2d.forwardBiasActivation(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, w, bias, Activation.TANH, y);
        double[] expected = s.forward(x, w);
        int plane = s.oh() * s.ow();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Math.tanh(expected[i] + bias[(i / plane) % s.f()]);
        }
        assertClose(expected, y, 0, TOLERANCE, "fused forward " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void flippedWeightsGiveBackwardData(Reference.Conv s) {
        // Only stride 1 has a convolution as its adjoint; with padding > kernel - 1 the "full"
        // convolution's padding is negative, which the padded copy must also handle.
        if (s.stride() != 1) {
            return;
        }
        var random = new SplittableRandom(s.hashCode() + 2);
        float[] dy = Reference.random(random, s.ySize());
        float[] w = Reference.random(random, s.wSize());
        float[] dx = new float[s.xSize()];
        var full = new ConvGeometry(s.f(), s.oh(), s.ow(), s.c(), s.kh(), s.kw(), 1, s.kh() - 1 - s.padTop(),
                s.kw() - 1 - s.padLeft(), s.h(), s.w());
        float[] packed = ConvImplicitGemm.packFlippedWeights(s.f(), s.c(), s.kh(), s.kw(), w);
        ConvImplicitGemm.forward(s.n(), full, dy, packed, null, Activation.NONE, dx);
        assertClose(s.backwardData(dy, w), dx, 0, TOLERANCE, "flipped backwardData " + s);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void biasGradientIsFusedWithFilterGradient(Reference.Conv s) {
        var random = new SplittableRandom(s.hashCode() + 3);
        float[] x = Reference.random(random, s.xSize());
        float[] dy = Reference.random(random, s.ySize());
        float[] dw = new float[s.wSize()];
        float[] dBias = Reference.random(random, s.f());
        Conv2d.backwardFilterBias(s.n(), s.c(), s.h(), s.w(), s.f(), s.kh(), s.kw(), s.stride(), s.padTop(),
                s.padLeft(), s.oh(), s.ow(), x, dy, dw, dBias);
        assertClose(s.backwardFilter(x, dy), dw, 0, TOLERANCE, "backwardFilterBias dw " + s);
        double[] expected = new double[s.f()];
        int plane = s.oh() * s.ow();
        for (int i = 0; i < dy.length; i++) {
            expected[(i / plane) % s.f()] += dy[i];
        }
        assertClose(expected, dBias, 0, TOLERANCE, "backwardFilterBias dBias " + s);
    }
}
