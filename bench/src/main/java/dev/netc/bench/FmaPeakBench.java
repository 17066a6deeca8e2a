package dev.netc.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The measured FMA peak of this machine: ten independent fma chains of FloatVector.SPECIES_PREFERRED
 * held in vector registers. Ten is at least FMA latency x FMA issue width (5 cycles x 1 per cycle for
 * 256-bit on Zen 1, 4 x 2 on recent Intel cores), so the FMA units never wait on a result, and ten
 * chains plus the two operands still fit the 16 AVX2 registers: with twelve, C2 runs out of registers
 * and the "peak" came out about 20% low (below what sgemm reaches). Scores are
 * FLOP/s (an fma counts 2 per lane); peakAllCores runs one copy per available processor, and JMH sums
 * them. The figure only means something on an otherwise idle machine: run-cpu.sh records the load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FmaPeakBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 10;
    /** FLOPs per call; the iteration count follows from the vector width so any width gives this total. */
    private static final int FLOPS = CHAINS * 2 * 16 * (1 << 13);
    private static final int ITERATIONS = FLOPS / (CHAINS * 2 * S.length());

    /** Multiplier and addend close to 1 and 0 so the chains stay finite for any iteration count. */
    public float scale = 0.999_999f;
    public float shift = 1e-7f;

    @Benchmark
    @OperationsPerInvocation(FLOPS)
    public float peakOneCore() {
        return chains();
    }

    @Benchmark
    @Threads(Threads.MAX)
    @OperationsPerInvocation(FLOPS)
    public float peakAllCores() {
        return chains();
    }

    private float chains() {
        return chains(ITERATIONS, scale, shift);
    }

    /** Runs the chains for {@code iterations} steps: 2 * CHAINS * lanes FLOPs per step. */
    static float chains(int iterations, float scale, float shift) {
        FloatVector m = FloatVector.broadcast(S, scale);
        FloatVector d = FloatVector.broadcast(S, shift);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, d); a1 = a1.fma(m, d); a2 = a2.fma(m, d); a3 = a3.fma(m, d);
            a4 = a4.fma(m, d); a5 = a5.fma(m, d); a6 = a6.fma(m, d); a7 = a7.fma(m, d);
            a8 = a8.fma(m, d); a9 = a9.fma(m, d);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
