package dev.netc.runtime.distributed;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.bench.BenchOptions;
import dev.netc.runtime.bench.SyntheticData;
import dev.netc.runtime.train.ParameterInitializer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * {@code netc bench --distributed}: the figures a model of data-parallel step time needs, measured on
 * this job. Each rank trains the fused model on synthetic data at its batch; per step it times the
 * computation (forward, backward, update) and the gradient allreduce separately; the slowest rank's
 * median counts (a step waits for it). Then an allreduce sweep over payload sizes gives the network's
 * latency and bandwidth as this job sees them. Every rank calls it; rank 0's result is the one to print.
 */
public final class DistributedBench {
    /** Payloads of the sweep: a latency-bound message up to a bandwidth-bound one. */
    static final long[] SWEEP_BYTES = {8, 1 << 10, 64 << 10, 1 << 20, 8 << 20};
    static final int SWEEP_REPEATS = 15;

    private DistributedBench() {}

    /** One payload size of the sweep and the slowest rank's median time of an allreduce of it. */
    public record Sweep(long bytes, double seconds) {}

    /**
     * @param computeSeconds   median time of forward + backward + update on the slowest rank
     * @param allreduceSeconds median time of the step's gradient allreduce on the slowest rank (waiting for others included)
     */
    public record Result(String model, int ranks, int rankBatch, int steps, double computeSeconds, double allreduceSeconds,
                         long bytesPerStep, int allreducesPerStep, String overlap, String library, List<Sweep> sweep) {
        public double stepSeconds() { return computeSeconds + allreduceSeconds; }

        public double imagesPerSecond() { return ranks * rankBatch / stepSeconds(); }

        /** The table rank 0 prints. */
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.US, "%s, %d ranks x batch %d (%s)%n", model, ranks, rankBatch, library));
            b.append(String.format(Locale.US, "  compute per step    %10.3f ms (forward, backward, update; median of %d steps, slowest rank)%n",
                    computeSeconds * 1e3, steps));
            b.append(String.format(Locale.US, "  allreduce per step  %10.3f ms (%d allreduce%s, %,d bytes per rank)%n", allreduceSeconds * 1e3,
                    allreducesPerStep, allreducesPerStep == 1 ? "" : "s", bytesPerStep));
            b.append(String.format(Locale.US, "  step                %10.3f ms, %,.0f images/s over all ranks%n", stepSeconds() * 1e3,
                    imagesPerSecond()));
            b.append("  overlap with backward: ").append(overlap).append(System.lineSeparator());
            b.append("  allreduce sweep (median of ").append(SWEEP_REPEATS).append("):").append(System.lineSeparator());
            for (Sweep s : sweep)
                b.append(String.format(Locale.US, "    %,12d bytes  %10.3f ms  %8.1f MB/s%n", s.bytes(), s.seconds() * 1e3,
                        s.bytes() / s.seconds() / 1e6));
            return b.toString();
        }
    }

    /** Runs the benchmark on every rank of {@code group} (the Java backend, fused). */
    public static Result run(Graph graph, OptimizerSpec optimizer, String modelName, BenchOptions options, DataParallel group) {
        Compilation compilation = Pipeline.compile(graph, optimizer, CompileOptions.training().atBatch(options.batch()));
        GeneratedModel model = JavaBackend.compile(compilation, modelName);
        model.setBatch(options.batch());
        ParameterInitializer.initialize(model, compilation.graph(), options.seed());
        SyntheticData.fill(model, compilation.graph(), options.seed() + group.rank());
        var facts = new LinkedHashMap<String, Long>();
        facts.put("batch", (long) options.batch());
        facts.put("steps", (long) options.warmup() + options.steps());
        group.start(model, compilation.graph(), facts);
        float rate = (float) optimizer.learningRate();
        double[] compute = new double[options.steps()], reduce = new double[options.steps()];
        for (int step = 1; step <= options.warmup() + options.steps(); step++) {
            long t0 = System.nanoTime();
            model.setSeed(step);
            model.forward(true);
            model.backward();
            long t1 = System.nanoTime();
            group.averageGradients(model, model.floatBuffer(Graph.LOSS)[0], 0);
            long t2 = System.nanoTime();
            model.update(rate, step);
            long t3 = System.nanoTime();
            int timed = step - options.warmup() - 1;
            if (timed < 0) continue;
            compute[timed] = (t1 - t0 + t3 - t2) / 1e9;
            reduce[timed] = (t2 - t1) / 1e9;
        }
        CommunicationReport report = group.report(options.batch() * group.size(), 0);
        List<Sweep> sweep = sweep(group.communicator());
        double[] slowest = slowest(group.communicator(), median(compute), median(reduce));
        return new Result(modelName, group.size(), options.batch(), options.steps(), slowest[0], slowest[1], report.bytesPerStep(),
                report.allreducesPerStep(), report.overlap(), report.library(), sweep);
    }

    private static List<Sweep> sweep(Communicator comm) {
        List<Sweep> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(SWEEP_BYTES[SWEEP_BYTES.length - 1], 64);
            for (long bytes : SWEEP_BYTES) {
                double[] times = new double[SWEEP_REPEATS];
                for (int r = 0; r < 3; r++) comm.allreduceSum(buffer, (int) (bytes / Float.BYTES));  // untimed: first-touch, protocol setup
                comm.barrier();
                for (int r = 0; r < SWEEP_REPEATS; r++) {
                    long t0 = System.nanoTime();
                    comm.allreduceSum(buffer, (int) (bytes / Float.BYTES));
                    times[r] = (System.nanoTime() - t0) / 1e9;
                }
                out.add(new Sweep(bytes, slowest(comm, median(times))[0]));
            }
        }
        return out;
    }

    /** The largest of each value over the ranks (every rank gets them). */
    private static double[] slowest(Communicator comm, double... values) {
        double[] max = new double[values.length];
        for (int i = 0; i < values.length; i++) max[i] = Arrays.stream(comm.allGather(values[i])).max().orElseThrow();
        return max;
    }

    static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
