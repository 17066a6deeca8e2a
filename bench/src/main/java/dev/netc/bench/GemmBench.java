package dev.netc.bench;

import dev.netc.kernels.Gemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Square sgemm, all cores; GFLOP/s = 2 * size^3 / time. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class GemmBench {
    @Param({"512", "1024", "2048"})
    public int size;

    @Param({"false"})
    public boolean transB;

    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setUp() {
        var random = new SplittableRandom(42);
        a = BenchData.random(random, size * size);
        b = BenchData.random(random, size * size);
        c = new float[size * size];
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(false, transB, size, size, size, a, 0, b, 0, 0f, c, 0);
        return c;
    }
}
