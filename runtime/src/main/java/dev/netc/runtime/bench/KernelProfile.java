package dev.netc.runtime.bench;

import dev.netc.api.GeneratedModel;
import dev.netc.api.KernelTimer;
import dev.netc.codegen.core.loop.OptimizerLowering;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.Flops;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.Traffic;
import dev.netc.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;

/**
 * Where a training step's time goes, kernel by kernel: wall time per step, the FLOPs and bytes of the
 * plan's models ({@link Flops}, {@link Traffic}) and the rates they imply, so each kernel's place on
 * the roofline (against the machine's measured peaks) is visible.
 *
 * @param pass    what one timed pass is: "training step" or "inference pass at batch N"
 * @param steps   timed passes the averages come from
 * @param entries one per kernel with code that the pass runs, in plan order (a training step's end with the optimizer update)
 */
public record KernelProfile(String pass, int steps, List<Entry> entries) {

    /**
     * One kernel.
     *
     * @param kernel        its name in the plan ("update" for the optimizer)
     * @param phase         predict, loss, backward or update
     * @param nanosPerStep  its mean wall time per pass
     * @param medianNanos   its median wall time per pass: on a shared host the mean carries the passes another
     *                      process slowed, the median is the kernel's own rate
     * @param flops         its floating-point operations per pass (the plan's model)
     * @param bytes         bytes it reads and writes per pass (the plan's model)
     * @param updates       the parameter whose optimizer update the kernel does as it computes its gradient, or ""
     */
    public record Entry(String kernel, String phase, double nanosPerStep, double medianNanos, long flops, long bytes, String updates) {
        public double gflops() { return nanosPerStep > 0 ? flops / nanosPerStep : 0; }

        /** GFLOP/s at the median time. */
        public double medianGflops() { return medianNanos > 0 ? flops / medianNanos : 0; }

        public double gbps() { return nanosPerStep > 0 ? bytes / nanosPerStep : 0; }
    }

    public KernelProfile {
        entries = List.copyOf(entries);
    }

    /** Mean wall time of a step, the kernels' times summed. */
    public double stepNanos() { return entries.stream().mapToDouble(Entry::nanosPerStep).sum(); }

    /** FLOPs of one step. */
    public long stepFlops() { return entries.stream().mapToLong(Entry::flops).sum(); }

    /**
     * Times {@code steps} training steps of a compiled model kernel by kernel, or returns null when
     * the model cannot time its kernels (a model split over several classes).
     *
     * @param firstStep the optimizer step number of the first timed step
     */
    static KernelProfile measure(Compilation compilation, GeneratedModel model, int batch, int steps, float learningRate,
                                 int firstStep) {
        KernelPlan plan = compilation.plan();
        long[][] nanos = new long[steps][plan.kernels().size() + 1];
        int[] pass = {0};
        if (!timing(model, nanos, pass, () -> {
            for (; pass[0] < steps; pass[0]++) {
                model.forward(true);
                model.backwardAndUpdate(learningRate, firstStep + pass[0]);
            }
        })) return null;
        // a product that updates its parameter as it goes does that update's work too, and never writes the gradient
        Map<Integer, FusedUpdate> fused = new HashMap<>();
        Graph g = plan.graph();
        long[] rest = {0, 0};
        Set<String> updatedInBackward = model.updatedInBackward();
        for (Node p : g.trainableParameters()) {
            Integer gradient = g.gradients().get(p.id());
            if (gradient == null) continue;
            long[] work = updateWork(compilation, p);
            String name = ((Op.Parameter) p.op()).name();
            if (updatedInBackward.contains(name))
                fused.put(gradient, new FusedUpdate(name, work[0], work[1] - 2L * Float.BYTES * elements(p)));
            else for (int i = 0; i < 2; i++) rest[i] += work[i];
        }
        List<Entry> entries = entries(plan, batch, nanos, kernel -> true, fused);
        int update = plan.kernels().size();
        entries.add(new Entry("update", "update", mean(nanos, update), median(nanos, update), rest[0], rest[1], ""));
        return new KernelProfile("training step", steps, entries);
    }

    /**
     * Times {@code passes} inference passes ({@code predict}) at the model's current batch kernel by
     * kernel: the predict phase's kernels only (no loss, gradient or update). Null when the model cannot
     * time its kernels.
     */
    static KernelProfile measurePredict(Compilation compilation, GeneratedModel model, int passes) {
        KernelPlan plan = compilation.plan();
        long[][] nanos = new long[passes][plan.kernels().size() + 1];
        int[] pass = {0};
        if (!timing(model, nanos, pass, () -> {
            for (; pass[0] < passes; pass[0]++) model.predict();
        })) return null;
        List<Entry> entries = entries(plan, model.batch(), nanos, kernel -> kernel.phase() == Kernel.Phase.PREDICT, Map.of());
        return new KernelProfile("inference pass at batch " + model.batch(), passes, entries);
    }

    /**
     * Runs {@code work} with every kernel's time added into its pass's row of nanos (the last slot: the update),
     * the pass being {@code pass[0]}, which work advances; false when the model cannot time.
     */
    private static boolean timing(GeneratedModel model, long[][] nanos, int[] pass, Runnable work) {
        int update = nanos[0].length - 1;
        KernelTimer timer = (kernel, started) -> {
            long now = System.nanoTime();
            nanos[pass[0]][kernel == KernelTimer.UPDATE ? update : kernel] += now - started;
            return now;
        };
        if (!model.timeKernels(timer)) return false;
        try {
            work.run();
        } finally {
            model.timeKernels(null);
        }
        return true;
    }

    /** The optimizer update a kernel does besides its product: the parameter, the update's FLOPs and bytes. */
    private record FusedUpdate(String parameter, long flops, long bytes) {}

    /** @param fused by a kernel's root: the update it does as it computes that gradient */
    private static List<Entry> entries(KernelPlan plan, int batch, long[][] nanos, java.util.function.Predicate<Kernel> included,
                                       Map<Integer, FusedUpdate> fused) {
        List<Long> flops = Flops.of(plan, batch);
        List<Traffic.KernelTraffic> traffic = Traffic.of(plan, batch);
        List<Entry> entries = new ArrayList<>();
        for (int k = 0; k < plan.kernels().size(); k++) {
            Kernel kernel = plan.kernels().get(k);
            if (plan.isAlias(kernel) || !included.test(kernel)) continue;
            FusedUpdate update = fused.getOrDefault(kernel.root(), new FusedUpdate("", 0, 0));
            entries.add(new Entry(kernel.name(), kernel.phase().name().toLowerCase(java.util.Locale.ROOT), mean(nanos, k),
                    median(nanos, k), flops.get(k) + update.flops(), traffic.get(k).total() + update.bytes(), update.parameter()));
        }
        return entries;
    }

    private static double mean(long[][] nanos, int slot) {
        double sum = 0;
        for (long[] pass : nanos) sum += pass[slot];
        return sum / nanos.length;
    }

    private static double median(long[][] nanos, int slot) {
        long[] times = new long[nanos.length];
        for (int i = 0; i < times.length; i++) times[i] = nanos[i][slot];
        java.util.Arrays.sort(times);
        int mid = times.length / 2;
        return times.length % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2.0;
    }

    /**
     * FLOPs and bytes of one parameter's optimizer update: per element it reads the parameter, its gradient and its
     * state and writes the parameter and the state; about two operations for plain SGD and four more per state
     * buffer (a model, like {@link Flops}).
     */
    private static long[] updateWork(Compilation compilation, Node parameter) {
        if (compilation.optimizer() == null) return new long[] {0, 0};
        int states = new OptimizerLowering(compilation.optimizer()).stateNames("p").size();
        long elements = elements(parameter);
        return new long[] {elements * (2 + 4L * states), elements * Float.BYTES * (3 + 2L * states)};
    }

    private static long elements(Node parameter) {
        return parameter.type().shape().elementCount(Map.of());
    }
}
