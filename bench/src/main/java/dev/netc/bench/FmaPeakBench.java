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
 *
 * <p>Two forms of chain: each scales itself and adds a shared constant (c = c * m + d), or accumulates a constant
 * product (c = m * d + c). As AVX2 code C2 copies the shared addend into a fresh register before every FMA of the first
 * (AVX2's FMA overwrites its addend), which read 83 against 114 GFLOP/s on one Zen 4 core under -XX:UseAVX=2 (the
 * "twelve chains ran out of registers" above was that); with AVX-512 code the first is about 3% faster. The class
 * times both once ({@link #ACCUMULATING}) and the benchmarks run the faster.
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

    /** Whether the accumulating form ran faster in a short trial when the class loaded (see the class comment). */
    static final boolean ACCUMULATING = accumulatingIsFaster();

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
        return best(ITERATIONS, scale, shift);
    }

    /** The faster form of chain on this machine ({@link #ACCUMULATING}), {@code iterations} steps. */
    static float best(int iterations, float scale, float shift) {
        return ACCUMULATING ? accumulating(iterations, scale, shift) : chains(iterations, scale, shift);
    }

    /** Best of seven alternating runs of each form, after the JIT has compiled both. */
    private static boolean accumulatingIsFaster() {
        long scaling = Long.MAX_VALUE, accumulating = Long.MAX_VALUE;
        float sink = 0;
        for (int run = 0; run < 7; run++) {
            long t0 = System.nanoTime();
            sink += chains(1 << 20, 0.999_999f, 1e-7f);
            long t1 = System.nanoTime();
            sink += accumulating(1 << 20, 0.999_999f, 1e-7f);
            long t2 = System.nanoTime();
            if (run >= 2) {
                scaling = Math.min(scaling, t1 - t0);
                accumulating = Math.min(accumulating, t2 - t1);
            }
        }
        return sink != 42f && accumulating < scaling;
    }

    /** {@link #chains} in the accumulating form: c = m * d + c. */
    static float accumulating(int iterations, float scale, float shift) {
        FloatVector m = FloatVector.broadcast(S, scale);
        FloatVector d = FloatVector.broadcast(S, shift);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f);
        for (int i = 0; i < iterations; i++) {
            a0 = m.fma(d, a0); a1 = m.fma(d, a1); a2 = m.fma(d, a2); a3 = m.fma(d, a3);
            a4 = m.fma(d, a4); a5 = m.fma(d, a5); a6 = m.fma(d, a6); a7 = m.fma(d, a7);
            a8 = m.fma(d, a8); a9 = m.fma(d, a9);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
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
