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
 * @param steps   timed training steps the averages come from
 * @param entries one per kernel with code, in plan order, then the optimizer update
 */
public record KernelProfile(int steps, List<Entry> entries) {

    /**
     * One kernel.
     *
     * @param kernel        its name in the plan ("update" for the optimizer)
     * @param phase         predict, loss, backward or update
     * @param nanosPerStep  its mean wall time per training step
     * @param flops         its floating-point operations per step (the plan's model)
     * @param bytes         bytes it reads and writes per step (the plan's model)
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
        int update = plan.kernels().size();
        KernelTimer timer = (kernel, started) -> {
            long now = System.nanoTime();
            nanos[kernel == KernelTimer.UPDATE ? update : kernel] += now - started;
            return now;
        };
        if (!model.timeKernels(timer)) return null;
        try {
            for (int i = 0; i < steps; i++) {
                model.forward(true);
                model.backward();
                model.update(learningRate, firstStep + i);
            }
        } finally {
            model.timeKernels(null);
        }
        List<Long> flops = Flops.of(plan, batch);
        List<Traffic.KernelTraffic> traffic = Traffic.of(plan, batch);
        List<Entry> entries = new ArrayList<>();
        for (int k = 0; k < plan.kernels().size(); k++) {
            Kernel kernel = plan.kernels().get(k);
            if (plan.isAlias(kernel)) continue;
            entries.add(new Entry(kernel.name(), kernel.phase().name().toLowerCase(java.util.Locale.ROOT),
                    (double) nanos[k] / steps, flops.get(k), traffic.get(k).total()));
        }
        long[] work = updateWork(compilation);
        entries.add(new Entry("update", "update", (double) nanos[update] / steps, work[0], work[1]));
        return new KernelProfile(steps, entries);
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
