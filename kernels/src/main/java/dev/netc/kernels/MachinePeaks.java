package dev.netc.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What this machine can do at best, measured in a second or two on all of {@link Parallel#threads()}:
 * the single-precision FMA peak (12 independent vector FMA chains per thread, enough to hide the
 * FMA latency on the cores netc runs on; the better of two forms of chain, see {@link #fmaGflops}) and the memory bandwidth: the better of a read-only stream
 * (a vector sum) and a copy (read and write, both counted) over arrays far larger than the caches. Every figure {@code netc bench --profile} reports is a ratio to these,
 * measured in the same run, so AVX2 and AVX-512 machines compare alike.
 *
 * <p>Each thread also times the GEMM micro-kernel on its own operands, the B sliver in L2 as in a product: on
 * a virtual machine whose cores are not equal (one of the development host's two vCPUs ran the same kernel
 * 20-45% slower than the other at times, while register-only FMA chains ran alike), every kernel split evenly
 * waits for the slow one, and its timings move from run to run with the host. The 1-minute load average says
 * how much of the cores other processes had.
 *
 * @param fmaGflops       peak multiply-adds as GFLOP/s (an FMA counts two)
 * @param memGbps         sustained bandwidth in GB/s (10^9 bytes per second), bytes read plus bytes written
 * @param threadGemmGflops each thread's GEMM micro-kernel rate (B from L2) in its best run, fastest first
 * @param loadAverage     the system's 1-minute load average before the measurement; negative where the OS has none
 */
public record MachinePeaks(double fmaGflops, double memGbps, List<Double> threadGemmGflops, double loadAverage) {

    public MachinePeaks {
        threadGemmGflops = List.copyOf(threadGemmGflops);
    }

    /**
     * Measures both, best of five runs each, then each thread's micro-kernel rate (best of three); the FMA peak again
     * (up to five more runs) while it reads below the micro-kernels' sum.
     */
    public static MachinePeaks measure() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double fma = 0, mem = 0;
        float[] big = new float[32 << 20]; // 128 MiB: far beyond the last-level caches of the machines here
        float[] copy = new float[big.length];
        for (int i = 0; i < big.length; i += 1024) big[i] = i;
        for (int run = 0; run < 5; run++) { // the first runs also warm up the JIT
            fma = Math.max(fma, fmaGflops(20_000_000L));
            mem = Math.max(mem, Math.max(readGbps(big), copyGbps(big, copy)));
        }
        double[] perThread = new double[Parallel.threads()];
        for (int run = 0; run < 3; run++) {
            double[] rates = gemmGflopsPerThread(4_000);
            for (int t = 0; t < rates.length; t++) perThread[t] = Math.max(perThread[t], rates[t]);
        }
        // The peak is at least what the micro-kernels reached. A lower figure means the FMA runs were disturbed: one
        // 8-float run on the Zen 4 VM read 162 GFLOP/s, and the micro-kernels then reached 109 + 108. So it runs again.
        double kernels = 0;
        for (double rate : perThread) kernels += rate;
        for (int run = 0; run < 5 && fma < kernels; run++) fma = Math.max(fma, fmaGflops(20_000_000L));
        List<Double> sorted = new ArrayList<>();
        for (double rate : perThread) sorted.add(rate);
        sorted.sort(Comparator.reverseOrder());
        return new MachinePeaks(fma, mem, sorted, load);
    }

    /** The fastest thread's micro-kernel rate over the slowest's (1 with one thread): how unequal the cores were. */
    public double threadSpread() {
        if (threadGemmGflops.size() < 2) return 1.0;
        return threadGemmGflops.getFirst() / threadGemmGflops.getLast();
    }

    /**
     * GFLOP/s of {@code iterations} x 12 vector FMAs on each thread: the better of chains that scale themselves and add a
     * shared constant (c = c * m + a) and chains that accumulate a constant product (c = m * a + c). As AVX2 code C2 gives
     * the first a register copy of the shared addend before every FMA, since AVX2's FMA overwrites its addend: 83 against
     * 114 GFLOP/s on one Zen 4 core under -XX:UseAVX=2, ten chains, and this twelve-chain measurement read 201-205
     * instead of 233 on two cores. With AVX-512 code the first form is the faster by about 3%.
     */
    static double fmaGflops(long iterations) {
        return Math.max(fmaGflops(iterations, false), fmaGflops(iterations, true));
    }

    private static double fmaGflops(long iterations, boolean accumulating) {
        int threads = Parallel.threads();
        DoubleAdder sink = new DoubleAdder();
        long t0 = System.nanoTime();
        Parallel.forRange(threads, t -> sink.add(accumulating ? fmaAccumulating(iterations, 1f + t * 1e-7f)
                : fmaChains(iterations, 1f + t * 1e-7f)));
        long nanos = System.nanoTime() - t0;
        if (sink.sum() == 42.0) System.out.print(""); // keeps the result alive
        return 2.0 * 12 * Vectors.LANES * iterations * threads / nanos;
    }

    /** Each thread's GFLOP/s over {@code reps} micro-kernel tiles of its own, a 1024-deep B sliver (L2-sized on AVX-512). */
    static double[] gemmGflopsPerThread(int reps) {
        int threads = Parallel.threads(), depth = 1024, mr = GemmMicroKernel.MR, nr = GemmMicroKernel.NR;
        long[] nanos = new long[threads];
        Parallel.forRange(threads, t -> {
            float[] ap = new float[mr * depth], bp = new float[depth * nr], tile = new float[mr * nr];
            java.util.Arrays.fill(ap, 1e-3f);
            java.util.Arrays.fill(bp, 1e-3f);
            for (int rep = 0; rep < reps / 4; rep++) GemmMicroKernel.tile(ap, 0, bp, 0, depth, tile, 0, nr, 0, 0, mr, nr, false, null, tile, 0);
            long start = System.nanoTime();
            for (int rep = 0; rep < reps; rep++) GemmMicroKernel.tile(ap, 0, bp, 0, depth, tile, 0, nr, 0, 0, mr, nr, false, null, tile, 0);
            nanos[t] = System.nanoTime() - start;
        });
        double[] rates = new double[threads];
        for (int t = 0; t < threads; t++) rates[t] = 2.0 * mr * nr * depth * reps / nanos[t];
        return rates;
    }

    private static double fmaChains(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(Vectors.SPECIES, 0.999999f), a = FloatVector.broadcast(Vectors.SPECIES, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(Vectors.SPECIES, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3),
                c4 = c0.add(4), c5 = c0.add(5), c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9),
                c10 = c0.add(10), c11 = c0.add(11);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(m, a); c1 = c1.fma(m, a); c2 = c2.fma(m, a); c3 = c3.fma(m, a);
            c4 = c4.fma(m, a); c5 = c5.fma(m, a); c6 = c6.fma(m, a); c7 = c7.fma(m, a);
            c8 = c8.fma(m, a); c9 = c9.fma(m, a); c10 = c10.fma(m, a); c11 = c11.fma(m, a);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        return s.reduceLanes(VectorOperators.ADD);
    }

    private static double fmaAccumulating(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(Vectors.SPECIES, 0.999999f), a = FloatVector.broadcast(Vectors.SPECIES, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(Vectors.SPECIES, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3),
                c4 = c0.add(4), c5 = c0.add(5), c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9),
                c10 = c0.add(10), c11 = c0.add(11);
        for (long i = 0; i < iterations; i++) {
            c0 = m.fma(a, c0); c1 = m.fma(a, c1); c2 = m.fma(a, c2); c3 = m.fma(a, c3);
            c4 = m.fma(a, c4); c5 = m.fma(a, c5); c6 = m.fma(a, c6); c7 = m.fma(a, c7);
            c8 = m.fma(a, c8); c9 = m.fma(a, c9); c10 = m.fma(a, c10); c11 = m.fma(a, c11);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        return s.reduceLanes(VectorOperators.ADD);
    }

    /** GB/s (read plus written) of copying {@code from} into {@code to}, split over all threads. */
    static double copyGbps(float[] from, float[] to) {
        int threads = Parallel.threads();
        int chunk = from.length / threads / Vectors.LANES * Vectors.LANES;
        long t0 = System.nanoTime();
        Parallel.forRange(threads, t -> {
            int end = (t + 1) * chunk;
            for (int i = t * chunk; i < end; i += Vectors.LANES)
                FloatVector.fromArray(Vectors.SPECIES, from, i).intoArray(to, i);
        });
        long nanos = System.nanoTime() - t0;
        return 2.0 * chunk * threads * Float.BYTES / nanos;
    }

    /** GB/s of summing {@code data} once, split over all threads. */
    static double readGbps(float[] data) {
        int threads = Parallel.threads();
        int chunk = data.length / threads / (4 * Vectors.LANES) * (4 * Vectors.LANES);
        DoubleAdder sink = new DoubleAdder();
        long t0 = System.nanoTime();
        Parallel.forRange(threads, t -> {
            FloatVector acc0 = FloatVector.zero(Vectors.SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            int end = (t + 1) * chunk;
            for (int i = t * chunk; i < end; i += 4 * Vectors.LANES) {
                acc0 = acc0.add(FloatVector.fromArray(Vectors.SPECIES, data, i));
                acc1 = acc1.add(FloatVector.fromArray(Vectors.SPECIES, data, i + Vectors.LANES));
                acc2 = acc2.add(FloatVector.fromArray(Vectors.SPECIES, data, i + 2 * Vectors.LANES));
                acc3 = acc3.add(FloatVector.fromArray(Vectors.SPECIES, data, i + 3 * Vectors.LANES));
            }
            sink.add(acc0.add(acc1).add(acc2).add(acc3).reduceLanes(VectorOperators.ADD));
        });
        long nanos = System.nanoTime() - t0;
        if (sink.sum() == 42.0) System.out.print("");
        return (double) chunk * threads * Float.BYTES / nanos;
    }
}
