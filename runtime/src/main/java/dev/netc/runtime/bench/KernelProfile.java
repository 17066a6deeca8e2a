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
import java.util.ArrayList;
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
     * @param flops         its floating-point operations per pass (the plan's model)
     * @param bytes         bytes it reads and writes per pass (the plan's model)
     */
    public record Entry(String kernel, String phase, double nanosPerStep, long flops, long bytes) {
        public double gflops() { return nanosPerStep > 0 ? flops / nanosPerStep : 0; }

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
        long[] nanos = new long[plan.kernels().size() + 1];
        if (!timing(model, nanos, () -> {
            for (int i = 0; i < steps; i++) {
                model.forward(true);
                model.backward();
                model.update(learningRate, firstStep + i);
            }
        })) return null;
        List<Entry> entries = entries(plan, batch, steps, nanos, kernel -> true);
        long[] work = updateWork(compilation);
        entries.add(new Entry("update", "update", (double) nanos[plan.kernels().size()] / steps, work[0], work[1]));
        return new KernelProfile("training step", steps, entries);
    }

    /**
     * Times {@code passes} inference passes ({@code predict}) at the model's current batch kernel by
     * kernel: the predict phase's kernels only (no loss, gradient or update). Null when the model cannot
     * time its kernels.
     */
    static KernelProfile measurePredict(Compilation compilation, GeneratedModel model, int passes) {
        KernelPlan plan = compilation.plan();
        long[] nanos = new long[plan.kernels().size() + 1];
        if (!timing(model, nanos, () -> {
            for (int i = 0; i < passes; i++) model.predict();
        })) return null;
        List<Entry> entries = entries(plan, model.batch(), passes, nanos, kernel -> kernel.phase() == Kernel.Phase.PREDICT);
        return new KernelProfile("inference pass at batch " + model.batch(), passes, entries);
    }

    /** Runs {@code work} with every kernel's time added into nanos (the last slot: the update); false when the model cannot time. */
    private static boolean timing(GeneratedModel model, long[] nanos, Runnable work) {
        int update = nanos.length - 1;
        KernelTimer timer = (kernel, started) -> {
            long now = System.nanoTime();
            nanos[kernel == KernelTimer.UPDATE ? update : kernel] += now - started;
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

    private static List<Entry> entries(KernelPlan plan, int batch, int passes, long[] nanos,
                                       java.util.function.Predicate<Kernel> included) {
        List<Long> flops = Flops.of(plan, batch);
        List<Traffic.KernelTraffic> traffic = Traffic.of(plan, batch);
        List<Entry> entries = new ArrayList<>();
        for (int k = 0; k < plan.kernels().size(); k++) {
            Kernel kernel = plan.kernels().get(k);
            if (plan.isAlias(kernel) || !included.test(kernel)) continue;
            entries.add(new Entry(kernel.name(), kernel.phase().name().toLowerCase(java.util.Locale.ROOT),
                    (double) nanos[k] / passes, flops.get(k), traffic.get(k).total()));
        }
        return entries;
    }

    /**
     * FLOPs and bytes of the optimizer update: per parameter element it reads the parameter, its
     * gradient and its state and writes the parameter and the state; about two operations for plain
     * SGD and four more per state buffer (a model, like {@link Flops}).
     */
    private static long[] updateWork(Compilation compilation) {
        if (compilation.optimizer() == null) return new long[] {0, 0};
        Graph g = compilation.plan().graph();
        OptimizerLowering lowering = new OptimizerLowering(compilation.optimizer());
        long elements = 0;
        int states = 0;
        for (Node n : g.trainableParameters()) {
            if (!g.gradients().containsKey(n.id())) continue;
            elements += n.type().shape().elementCount(java.util.Map.of());
            states = lowering.stateNames("p").size();
        }
        return new long[] {elements * (2 + 4L * states), elements * Float.BYTES * (3 + 2L * states)};
    }
}
