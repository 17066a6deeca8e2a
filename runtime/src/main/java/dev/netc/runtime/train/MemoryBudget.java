package dev.netc.runtime.train;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.MemoryPlanner;
import dev.netc.ir.plan.Traffic;
import dev.netc.ir.plan.UpdateFusion;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetSplits;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.function.IntToLongFunction;

/**
 * Refuses, before anything is allocated, a batch the Java backend cannot hold: one whose buffers
 * (the {@link MemoryPlanner}'s peak: inputs, parameters and constants plus the shared activation and
 * gradient slots) with the optimizer state and the loaded data exceed the JVM's maximum heap, or one
 * that makes a single buffer hold more elements than a Java array can. Without this, such a batch is
 * an {@link OutOfMemoryError} or a negative array size deep in generated code. The message gives the
 * estimate, the heap limit, the largest batch that fits and how to raise the limit
 * ({@code NETC_JAVA_OPTS=-Xmx..} for the {@code ./netc} launcher).
 */
public final class MemoryBudget {
    /** The largest Java array (HotSpot refuses a few elements below Integer.MAX_VALUE). */
    static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Share of the long-lived space the estimate may take: the JVM, the compiled model and the collector need the rest. */
    static final double HEAP_SHARE = 0.9;
    /** How the ./netc launcher is told to use more heap. */
    public static final String HEAP_ADVICE = "NETC_JAVA_OPTS=-Xmx<size> (./netc runs the JVM with -Xmx8g unless NETC_JAVA_OPTS sets another)";

    private MemoryBudget() {}

    /**
     * The heap: its maximum and how much of it can hold long-lived data. The model's buffers live as long
     * as the run, so they end up in the old generation; with the parallel collector (./netc's) that is
     * two thirds of the heap, and a batch whose buffers fit the heap but not the old generation runs out
     * of memory all the same.
     */
    record Heap(long max, long longLived) {
        static Heap current() {
            long max = Runtime.getRuntime().maxMemory();
            long old = -1;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                String name = pool.getName();
                if (pool.getType() == MemoryType.HEAP && (name.contains("Old Gen") || name.contains("Tenured")))
                    old = Math.max(old, pool.getUsage().getMax());
            }
            return new Heap(max, old > 0 && old < max ? old : max);
        }
    }

    /**
     * Checks a training run: the model compiled for training at {@code batch}, and again at the test
     * pass's batch, with the optimizer state and the loaded data.
     *
     * @throws TrainingSetupException when it does not fit
     */
    public static void checkTraining(Compilation training, int batch, DatasetSplits data) {
        int evalBatch = data.test().map(t -> Math.min(Evaluator.MAX_BATCH, t.size())).orElse(0);
        check(List.of(training), training.optimizer(), batch, evalBatch, dataBytes(data), "--batch", Heap.current());
    }

    /** Checks inference (netc eval) at {@code batch} examples per forward pass. */
    public static void checkInference(Compilation inference, int batch, DatasetSplits data) {
        check(List.of(inference), null, batch, 0, dataBytes(data), "--batch", Heap.current());
    }

    /** Checks netc bench: the model compiled fused and unfused, both held at {@code batch} at once. */
    public static void checkBench(Compilation fused, Compilation unfused, int batch) {
        check(List.of(fused, unfused), fused.optimizer(), batch, 0, 0, "--batch", Heap.current());
    }

    /** The message for an {@link OutOfMemoryError} that got past the estimate. */
    public static String outOfMemory(int batch) {
        return "ran out of memory at batch " + batch + " (this JVM may use at most " + bytes(Runtime.getRuntime().maxMemory())
                + "); use a smaller --batch, or raise the limit with " + HEAP_ADVICE;
    }

    /**
     * The check itself, for tests: {@code compilations} are held at once, each at {@code batch} (and at
     * {@code otherBatch}, e.g. the test pass's, when larger), beside {@code dataBytes} of data, within
     * the heap's long-lived space.
     */
    static void check(List<Compilation> compilations, OptimizerSpec optimizer, int batch, int otherBatch, long dataBytes, String flag,
                      Heap heap) {
        List<KernelPlan> plans = compilations.stream().map(Compilation::plan).toList();
        int peakBatch = Math.max(batch, otherBatch);
        for (KernelPlan plan : plans) checkArraySizes(plan.graph(), batch, peakBatch, flag);
        long state = 0;
        for (Compilation c : compilations) state += optimizerStateBytes(c.plan().graph(), optimizer) + (optimizer != null ? secondArrayBytes(c) : 0);
        final long stateBytes = state;
        IntToLongFunction need = b -> {
            long sum = stateBytes;
            for (KernelPlan plan : plans) sum += MemoryPlanner.plan(plan, b).peakBytes();
            return sum;
        };
        if (heap.max() == Long.MAX_VALUE) return;
        long needed = need.applyAsLong(peakBatch);
        long budget = (long) (heap.longLived() * HEAP_SHARE) - dataBytes;
        if (needed <= budget) return;
        int fits = largestFitting(need, budget, peakBatch);
        String data = dataBytes > 0 ? " beside the " + bytes(dataBytes) + " the loaded data takes" : "";
        throw new TrainingSetupException("batch " + batch + " needs about " + bytes(needed) + " of memory for the model's buffers"
                + (stateBytes > 0 || optimizer != null ? ", parameters and optimizer state" : " and parameters")
                + (peakBatch > batch ? " (the test pass runs at batch " + peakBatch + ")" : "") + data + ", more than this JVM can hold"
                + " (its maximum heap is " + bytes(heap.max()) + (heap.longLived() < heap.max() ? ", of which " + bytes(heap.longLived())
                + " can hold long-lived data" : "") + "); "
                + (fits >= 1 ? "use a smaller " + flag + " (about " + String.format(Locale.US, "%,d", fits) + " fits), or " : "")
                + "raise the limit with " + HEAP_ADVICE);
    }

    /** Every buffer at {@code peakBatch} must fit in one Java array. */
    private static void checkArraySizes(Graph g, int batch, int peakBatch, String flag) {
        for (Node n : g.nodes()) {
            long elements = Traffic.bytes(n, peakBatch) / Traffic.elementBytes(n.type().dtype());
            if (elements <= MAX_ARRAY_ELEMENTS) continue;
            long perExample = Math.max(1, elements / peakBatch);
            String value = (n.name() != null ? "'" + n.name() + "' (" : "the value (") + n.op().mnemonic() + " " + n.label() + ", " + n.type() + ")";
            throw new TrainingSetupException("batch " + batch + " is too large: " + value + " would hold "
                    + String.format(Locale.US, "%,d", elements) + " elements" + (peakBatch > batch ? " at batch " + peakBatch : "")
                    + ", more than a Java array can (" + String.format(Locale.US, "%,d", MAX_ARRAY_ELEMENTS) + "); use a smaller " + flag
                    + " (at most " + String.format(Locale.US, "%,d", MAX_ARRAY_ELEMENTS / perExample) + ")");
        }
    }

    /** Bytes of the optimizer's state: one or two buffers the size of each trainable parameter. */
    static long optimizerStateBytes(Graph g, OptimizerSpec optimizer) {
        int copies = switch (optimizer) {
            case null -> 0;
            case OptimizerSpec.Sgd s -> s.momentum() != 0 ? 1 : 0;
            case OptimizerSpec.Adam a -> 2;
            case OptimizerSpec.RmsProp r -> 1;
            case OptimizerSpec.Adadelta d -> 2;
        };
        long sum = 0;
        for (Node p : g.trainableParameters()) sum += Traffic.bytes(p, 1);
        return copies * sum;
    }

    /**
     * Bytes of the second arrays of the parameters a product updates as it goes ({@link UpdateFusion}; in a fused
     * compilation only, as the Java model does): the update writes each parameter's new values into its second array.
     */
    static long secondArrayBytes(Compilation compilation) {
        if (!compilation.fused()) return 0;
        KernelPlan plan = compilation.plan();
        long sum = 0;
        for (int parameter : UpdateFusion.choose(plan).values()) sum += Traffic.bytes(plan.graph().node(parameter), 1);
        return sum;
    }

    private static int largestFitting(IntToLongFunction need, long budget, int upTo) {
        if (need.applyAsLong(1) > budget) return 0;
        int lo = 1, hi = upTo; // need(lo) fits, need(hi) does not
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (need.applyAsLong(mid) <= budget) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    private static long dataBytes(DatasetSplits data) {
        long sum = dataBytes(data.train());
        if (data.test().isPresent()) sum += dataBytes(data.test().get());
        return sum;
    }

    private static long dataBytes(Dataset d) {
        return 4L * d.features().length + 4L * d.labels().length + (d.hasTargets() ? 4L * d.targets().length : 0);
    }

    /** 1.5 GiB, 230.0 MiB, 12.0 KiB. */
    static String bytes(long n) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
