package dev.netc.bench;

import dev.netc.kernels.Activation;
import dev.netc.kernels.Conv2d;
import dev.netc.kernels.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The MNIST CNN's convolutions with bias and ReLU: fused into the GEMM epilogue versus a plain
 * convolution followed by a (vectorised, parallel) bias pass and a ReLU pass over the output.
 * conv1: 1 -> 32 channels on 28x28; conv2: 32 -> 64 channels on 14x14; both 5x5 "same".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class ConvBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"50", "256"})
    public int batch;

    private int channels;
    private int size;
    private int filters;
    private float[] x;
    private float[] weights;
    private float[] bias;
    private float[] y;

    @Setup
    public void setUp() {
        boolean first = layer.equals("conv1");
        channels = first ? 1 : 32;
        size = first ? 28 : 14;
        filters = first ? 32 : 64;
        var random = new SplittableRandom(7);
        x = BenchData.random(random, batch * channels * size * size);
        weights = BenchData.random(random, filters * channels * 25);
        bias = BenchData.random(random, filters);
        y = new float[batch * filters * size * size];
    }

    @Benchmark
    public float[] fused() {
        Conv2d.forwardBiasActivation(batch, channels, size, size, filters, 5, 5, 1, 2, 2, size, size, x, weights,
                bias, Activation.RELU, y);
        return y;
    }

    @Benchmark
    public float[] unfused() {
        unfused(batch, channels, size, filters, x, weights, bias, y);
        return y;
    }

    /** The unfused sequence: a plain convolution, then a bias pass, then a ReLU pass over y. */
    static void unfused(int batch, int channels, int size, int filters, float[] x, float[] weights, float[] bias,
                        float[] y) {
        Conv2d.forward(batch, channels, size, size, filters, 5, 5, 1, 2, 2, size, size, x, weights, y);
        int plane = size * size;
        Parallel.forRange(batch * filters, p -> addBias(y, p * plane, plane, bias[p % filters]));
        Parallel.forRange(batch, image -> Activation.RELU.applyInPlace(y, image * filters * plane, filters * plane));
    }

    private static void addBias(float[] data, int offset, int length, float value) {
        int i = 0;
        for (int upper = S.loopBound(length); i < upper; i += S.length()) {
            FloatVector.fromArray(S, data, offset + i).add(value).intoArray(data, offset + i);
        }
        for (; i < length; i++) {
            data[offset + i] += value;
        }
    }
}
