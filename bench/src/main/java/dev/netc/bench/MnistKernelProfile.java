package dev.netc.bench;

import dev.netc.kernels.Activation;
import dev.netc.kernels.Blocking;
import dev.netc.kernels.ConvPooled;
import dev.netc.kernels.Gemm;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/**
 * Times every library kernel call one MNIST CNN training step makes (the calls `netc compile
 * examples/mnist_cnn.net --target java` emits for the fused build: convolutions with their bias, ReLU and
 * pooling, the dense layer's GEMMs; not the elementwise loops or the optimizer), so the hot kernels are
 * visible at a glance.
 * A quick profile, not a JMH benchmark: {@code java --add-modules=jdk.incubator.vector -cp
 * bench/target/benchmarks.jar dev.netc.bench.MnistKernelProfile [batch] [reps]}.
 */
public final class MnistKernelProfile {
    /** One timed call; partOfStep: counted in the step's total (not the sgemm and peak references). */
    private record Call(String name, double mflop, boolean partOfStep, Runnable body) {
        Call(String name, double mflop, Runnable body) {
            this(name, mflop, true, body);
        }
    }

    private MnistKernelProfile() {}

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        var r = new SplittableRandom(1);
        float[] x = BenchData.random(r, b * 784);
        float[] w1 = BenchData.random(r, 32 * 25);
        float[] b1 = BenchData.random(r, 32);
        float[] p1 = new float[b * 32 * 196];
        byte[] a1 = new byte[b * 32 * 196];
        float[] w2 = BenchData.random(r, 64 * 32 * 25);
        float[] b2 = BenchData.random(r, 64);
        float[] p2 = new float[b * 3136];
        byte[] a2 = new byte[b * 3136];
        float[] wd = BenchData.random(r, 3136 * 1024);
        float[] bd = BenchData.random(r, 1024);
        float[] hd = new float[b * 1024];
        float[] dhd = BenchData.random(r, b * 1024);
        float[] dp2 = BenchData.random(r, b * 3136);
        float[] dp2Out = new float[b * 3136];
        float[] dwd = new float[3136 * 1024];
        float[] dp1 = BenchData.random(r, b * 32 * 196);
        float[] dw2 = new float[64 * 32 * 25], db2 = new float[64];
        float[] dx2 = new float[b * 32 * 196];
        float[] dw1 = new float[32 * 25], db1 = new float[32];
        double c1 = 2.0 * b * 32 * 784 * 25 / 1e6;
        double c2 = 2.0 * b * 64 * 196 * 800 / 1e6;
        double d1 = 2.0 * b * 3136 * 1024 / 1e6;
        boolean inference = Boolean.getBoolean("inference"); // -Dinference=true: only inference's forward calls
        List<Call> calls = new ArrayList<>();
        // the training forward: each convolution with its bias, ReLU and 2 x 2 max pool (and argmax) in one call
        calls.add(new Call("conv1+bias+relu+pool forward", c1, () -> ConvPooled.forward(b, 1, 28, 28, 32, 5, 5, 1, 2, 2,
                28, 28, x, w1, b1, Activation.RELU, 2, p1, inference ? null : a1)));
        // conv2 reads conv1's pooled output: the argmax of real activations, not of random numbers
        calls.add(new Call("conv2+bias+relu+pool forward", c2, () -> ConvPooled.forward(b, 32, 14, 14, 64, 5, 5, 1, 2, 2,
                14, 14, p1, w2, b2, Activation.RELU, 2, p2, inference ? null : a2)));
        calls.add(new Call("dense forward (b x 3136 @ 3136 x 1024)", d1, () -> Gemm.sgemmBiasActivation(false, false,
                b, 1024, 3136, p2, 0, wd, 0, 0f, bd, Activation.RELU, hd, 0)));
        calls.add(new Call("dense dX (dY @ W^T)", d1, () -> Gemm.sgemm(false, true, b, 3136, 1024, dhd, 0, wd, 0,
                0f, dp2Out, 0)));
        calls.add(new Call("dense dW (X^T @ dY)", d1, () -> Gemm.sgemm(true, false, 3136, 1024, b, p2, 0, dhd, 0,
                0f, dwd, 0)));
        // the backward from the pooled gradients, expanded by the argmax inside the kernels
        calls.add(new Call("conv2 backwardFilter+bias (pooled dy)", c2, () -> ConvPooled.backwardFilterBias(b, 32, 14, 14, 64,
                5, 5, 1, 2, 2, 14, 14, p1, 2, a2, dp2, dw2, db2)));
        calls.add(new Call("conv2 backwardData (pooled dy)", c2, () -> ConvPooled.backwardData(b, 32, 14, 14, 64, 5, 5, 1,
                2, 2, 14, 14, 2, a2, dp2, w2, dx2)));
        calls.add(new Call("conv1 backwardFilter+bias (pooled dy)", c1, () -> ConvPooled.backwardFilterBias(b, 1, 28, 28, 32,
                5, 5, 1, 2, 2, 28, 28, x, 2, a1, dp1, dw1, db1)));
        if (Boolean.getBoolean("sgemm")) { // -Dsgemm=true: also square sgemm, to compare with the FMA peak
            float[] a = BenchData.random(r, 1024 * 1024);
            float[] bm = BenchData.random(r, 1024 * 1024);
            float[] cm = new float[1024 * 1024];
            calls.add(new Call("sgemm 1024 NN (reference)", 2.0 * 1024 * 1024 * 1024 / 1e6, false, () -> Gemm.sgemm(false, false, 1024,
                    1024, 1024, a, 0, bm, 0, 0f, cm, 0)));
        }
        if (inference) {
            calls.removeIf(call -> call.name().contains("grad")
                    || call.name().contains("backward") || call.name().contains("dense d"));
        }
        int peakSteps = 1 << 20;
        double peakMflop = 2.0 * FmaPeakBench.CHAINS * FloatVector.SPECIES_PREFERRED.length() * peakSteps / 1e6;
        calls.add(new Call("FMA peak (10 register chains)", peakMflop, false, () -> FmaPeakBench.best(peakSteps, 0.999_999f,
                1e-7f)));
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        var allocation = (com.sun.management.ThreadMXBean) threads;
        warmUp(calls, Math.max(10, reps / 2), allocation);
        // With -XX:ActiveProcessorCount=1 the kernels run on this thread alone, and its CPU time is a
        // figure that other processes loading the machine barely disturb.
        boolean cpuTime = Runtime.getRuntime().availableProcessors() == 1;
        double total = 0;
        double[] ms = new double[calls.size()];
        long[] allocated = new long[calls.size()]; // heap bytes per call: vector code not (yet) compiled by C2 allocates
        int peak = calls.size() - 1;
        // The peak is timed before the kernels too, and the faster of the two kept: a vCPU's FMA throughput drops while
        // its host core's other thread is busy, which CPU time does not see (cpu.md on the Zen 5, session 33: a peak of
        // 94 GFLOP/s against 233 a minute later, every kernel's fraction of it 2.5x too high)
        double peakBefore = timed(calls.get(peak).body(), reps, cpuTime, threads);
        for (int i = 0; i < calls.size(); i++) {
            long before = allocation.getCurrentThreadAllocatedBytes();
            ms[i] = timed(calls.get(i).body(), reps, cpuTime, threads);
            allocated[i] = (allocation.getCurrentThreadAllocatedBytes() - before) / reps;
            if (calls.get(i).partOfStep()) total += ms[i];
        }
        ms[peak] = Math.min(ms[peak], peakBefore);
        System.out.println(cpuTime ? "one thread, CPU time" : "all threads, wall time");
        System.out.printf("batch %d, %d reps, load %s%n", b, reps, load());
        System.out.println("caches: " + Blocking.machine().caches() + "; " + Blocking.machine().describe());
        double peakGflops = calls.get(peak).mflop() / ms[peak];
        System.out.printf("%-40s %9s %6s %8s %15s %12s%n", "kernel", "ms", "share", "GFLOP/s", "of 1-core peak", "heap B/call");
        for (int i = 0; i < peak; i++) {
            Call call = calls.get(i);
            double gflops = call.mflop() / ms[i];
            String share = call.partOfStep() ? String.format("%5.1f%%", 100 * ms[i] / total) : "     -";
            System.out.printf("%-40s %9.3f %s %8.1f %14.0f%% %12d%n", call.name(), ms[i], share, gflops, 100 * gflops / peakGflops,
                    allocated[i]);
        }
        System.out.printf("%-40s %9.3f        %8.1f%n", calls.get(peak).name(), ms[peak], peakGflops);
        System.out.printf("%-40s %9.3f  -> %.0f images/s from these kernels alone%n", "total of the step's calls", total,
                b * 1000 / total);
    }

    /**
     * Runs every call at least {@code minimum} times, then each until it allocates nothing for {@link #CLEAN_CALLS} calls in a
     * row (at most {@link #WARM_UP_NANOS} per call). Vector API code allocates until C2 has compiled it, and on one core C2's
     * queue still held some kernels after ten calls of each: the first profile on the Zen 5 (session 33) timed conv2's forward
     * at 11.8 MB and the dense GEMMs at 2.5-6.7 MB of heap per call, up to twice their compiled time.
     */
    private static void warmUp(List<Call> calls, int minimum, com.sun.management.ThreadMXBean allocation) {
        for (int warm = 0; warm < minimum; warm++) {
            calls.forEach(call -> call.body().run());
        }
        for (Call call : calls) {
            long deadline = System.nanoTime() + WARM_UP_NANOS;
            for (int clean = 0; clean < CLEAN_CALLS && System.nanoTime() < deadline; ) {
                long before = allocation.getCurrentThreadAllocatedBytes();
                call.body().run();
                clean = allocation.getCurrentThreadAllocatedBytes() == before ? clean + 1 : 0;
            }
        }
    }

    private static final int CLEAN_CALLS = 5;
    private static final long WARM_UP_NANOS = 20_000_000_000L;

    /** Milliseconds per call of body over reps calls: this thread's CPU time, or wall time. */
    private static double timed(Runnable body, int reps, boolean cpuTime, java.lang.management.ThreadMXBean threads) {
        long start = cpuTime ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        for (int rep = 0; rep < reps; rep++) {
            body.run();
        }
        long end = cpuTime ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        return (end - start) / 1e6 / reps;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
