package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.bench.SyntheticData;
import dev.netc.runtime.train.ParameterInitializer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: no allocation on the hot path. The MNIST CNN's fused training step (the path {@code netc bench} times, at
 * its batch of 50) and its inference passes, at 50 and at 1, allocate nothing on the Java heap once the JIT has
 * compiled them: not the calling thread, not the kernels' workers.
 *
 * <p>Every example model trains and predicts a few steps first, in this JVM: the Vector API's type profiles are shared by
 * every kernel, and a kernel that used a second vector shape (ConvImplicitGemm's 256-bit copies on AVX-512) once made C2
 * compile the batch-1 GEMM with its stores not intrinsified, 16 MB of boxed vectors per inference pass after other
 * models had run, which a fresh process never showed.
 *
 * <p>Before C2 compiles a kernel its vectors are objects (the interpreter and C1 box them), so the first windows of
 * steps always allocate, and when C2 gets to each method depends on the machine and its load. So the test runs windows
 * of steps until one allocates nothing and fails only when none does within the time allowed: code that allocates on
 * every step (a scratch array, a boxed lane, a lambda capturing a local) never gets there, and the failure lists each
 * window's bytes per step.
 */
class NoAllocationTest {
    private static final int BATCH = 50;
    private static final int STEPS_PER_WINDOW = 10;
    /** Enough for C2 to compile every kernel on a busy 2-core machine (about 15 s on an idle one). */
    private static final long TIME_ALLOWED_NANOS = 120_000_000_000L;

    /** Every example that trains, three steps and a prediction each at a small batch (see the class comment). */
    @BeforeAll
    static void everyExampleRunsFirst() {
        for (var file : Examples.all()) {
            for (CheckedModel m : FusionEquivalenceTest.models(file)) {
                if (m.train().isEmpty() || m.graph().output(Graph.LOSS).isEmpty()) continue;
                Compilation plan = Pipeline.compile(m, CompileOptions.training());
                GeneratedModel model = JavaBackend.compile(plan, m.name());
                model.setBatch(FusionEquivalenceTest.BATCH);
                FusionEquivalenceTest.load(model, plan.graph(), FusionEquivalenceTest.randomFeeds(plan.graph(), 5));
                float learningRate = (float) m.train().map(TrainSpec::optimizer).orElseThrow().learningRate();
                for (int step = 1; step <= 3; step++) {
                    model.setSeed(step);
                    model.forward(true);
                    model.backwardAndUpdate(learningRate, step);
                }
                model.predict();
            }
        }
    }

    @Test
    void theMnistCnnsTrainingStepAllocatesNothingOnceCompiled() {
        GeneratedModel model = mnistCnn(BATCH);
        float learningRate = (float) mnistCnnModel().train().map(TrainSpec::optimizer).orElseThrow().learningRate();
        int[] step = {0};
        settlesAtZero("training step at batch " + BATCH, () -> {
            model.forward(true);
            model.backwardAndUpdate(learningRate, ++step[0]);
        });
    }

    @Test
    void itsInferencePassesAllocateNothingOnceCompiled() {
        GeneratedModel model = mnistCnn(BATCH);
        model.freezeParameters(true);
        settlesAtZero("inference at batch " + BATCH, model::predict);
        model.setBatch(1);
        settlesAtZero("inference at batch 1", model::predict);
    }

    /** Runs windows of {@code step} until one allocates no heap bytes; fails with every window's bytes per step if none does in time. */
    private static void settlesAtZero(String what, Runnable step) {
        step.run(); // the kernels' workers start on the first parallel region
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("netc-kernels-")).mapToLong(Thread::threadId).toArray();
        List<Long> perStep = new ArrayList<>();
        long deadline = System.nanoTime() + TIME_ALLOWED_NANOS;
        while (System.nanoTime() < deadline) {
            // reading the workers' counters allocates on this thread: read them outside this thread's own reading
            long workersBefore = sum(threads.getThreadAllocatedBytes(workers));
            long callerBefore = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < STEPS_PER_WINDOW; i++) step.run();
            long caller = threads.getCurrentThreadAllocatedBytes() - callerBefore;
            long bytes = caller + sum(threads.getThreadAllocatedBytes(workers)) - workersBefore;
            if (bytes == 0) return;
            perStep.add(bytes / STEPS_PER_WINDOW);
        }
        fail(what + " still allocates after " + perStep.size() + " windows of " + STEPS_PER_WINDOW
                + " (bytes per step, window by window, the last ones last): " + tail(perStep));
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) total += v;
        return total;
    }

    private static String tail(List<Long> values) {
        return values.size() <= 20 ? values.toString() : "... " + values.subList(values.size() - 20, values.size());
    }

    private static GeneratedModel mnistCnn(int batch) {
        CheckedModel checked = mnistCnnModel();
        Compilation plan = Pipeline.compile(checked, CompileOptions.training().atBatch(batch));
        GeneratedModel model = JavaBackend.compile(plan, checked.name());
        model.setBatch(batch);
        Graph g = plan.graph();
        ParameterInitializer.initialize(model, g, 1);
        model.setSeed(1);
        SyntheticData.fill(model, g, 1);
        return model;
    }

    private static CheckedModel mnistCnnModel() {
        return Examples.all().stream().filter(f -> f.getFileName().toString().equals("mnist_cnn.net"))
                .flatMap(f -> FusionEquivalenceTest.models(f).stream()).findFirst().orElseThrow();
    }
}
