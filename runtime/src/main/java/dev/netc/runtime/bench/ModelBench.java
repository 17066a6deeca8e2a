package dev.netc.runtime.bench;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.ir.plan.Traffic;
import dev.netc.kernels.MachinePeaks;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.train.ParameterInitializer;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a model on synthetic data, compiled fused and unfused in the same process, and times both:
 * each variant warms up, then timed steps alternate in blocks ({@link #TRAIN_BLOCK_STEPS} fused, as many unfused, ...)
 * and each figure comes from the median step time, so neither slow drift nor a burst of load from elsewhere
 * on the machine favours one variant. Both variants start from the same parameters, data and dropout
 * seed, so their losses agree as well as their speeds differ.
 */
public final class ModelBench {
    private ModelBench() {}

    /**
     * Training steps each build runs in a row before the other's turn. Step by step, every fused step came right after
     * an unfused one that had streamed 161 MiB through the caches, which never happens in training: on the 2-core Xeon
     * that read 2,746-2,749 fused images/s, blocks of six 2,859-2,933, and {@code netc train}'s second epoch ran at 2,899
     * (data and metrics included). Blocks still interleave the builds against drift, and the median over all steps lets
     * each block's first step (the one that finds the other build's data in the caches) count as one step in five.
     */
    static final int TRAIN_BLOCK_STEPS = 5;

    /** Images of the throughput run a deployment would quote, and how often it is repeated (median). */
    static final int THOUSAND = 1000, THOUSAND_IMAGE_RUNS = 7;

    /**
     * Measures one model.
     *
     * @param graph     the forward graph with its "loss" output (gradients are added here)
     * @param optimizer the update rule each step applies
     * @throws IllegalArgumentException when the graph has no loss or there is no optimizer
     */
    public static BenchResult run(Graph graph, OptimizerSpec optimizer, String modelName, BenchOptions options) {
        return run(graph, optimizer, modelName, options, JavaBackend::compile);
    }

    /** How a compilation becomes a runnable model: the Java backend, or a CUDA device's. */
    @FunctionalInterface
    public interface Backend {
        GeneratedModel compile(Compilation compilation, String name);
    }

    /**
     * Measures one model built by {@code backend} (a model that holds device memory is closed at the
     * end). Kernel profiles need the Java backend's per-kernel timers.
     */
    public static BenchResult run(Graph graph, OptimizerSpec optimizer, String modelName, BenchOptions options, Backend backend) {
        return run(graph, optimizer, modelName, options, backend, null);
    }

    /**
     * {@link #run} with a peer runtime's inference timed alternately with netc's (null: none); its
     * figures come back as {@link BenchResult#peer}.
     */
    public static BenchResult run(Graph graph, OptimizerSpec optimizer, String modelName, BenchOptions options, Backend backend,
                                  InferencePeer peer) {
        if (graph.output(Graph.LOSS).isEmpty())
            throw new IllegalArgumentException("model '" + modelName + "' has no loss to train: add a train block with `loss = ...`");
        if (optimizer == null) throw new IllegalArgumentException("model '" + modelName + "' has no optimizer");
        MachinePeaks machine = MachinePeaks.measure();
        Run fused = new Run(graph, optimizer, true, modelName, options, backend);
        Run unfused = new Run(graph, optimizer, false, modelName, options, backend);
        try {
            return measure(fused, unfused, peer == null ? null : new PeerRun(peer, options), modelName, options, machine);
        } finally {
            fused.close();
            unfused.close();
        }
    }

    private static BenchResult measure(Run fused, Run unfused, PeerRun peer, String modelName, BenchOptions options, MachinePeaks machine) {
        fused.train(options.warmup());
        unfused.train(options.warmup());
        for (int i = 0; i < options.steps(); i += TRAIN_BLOCK_STEPS) {
            int end = Math.min(options.steps(), i + TRAIN_BLOCK_STEPS);
            for (int j = i; j < end; j++) fused.timeTraining();
            for (int j = i; j < end; j++) unfused.timeTraining();
        }
        // inference as a deployed model runs: parameters frozen, so the weights are packed once
        fused.freeze(true);
        unfused.freeze(true);
        fused.predict(options.warmup());
        unfused.predict(options.warmup());
        // With a peer, netc's and the peer's passes run in blocks, PEER_ROUNDS of each in turn: timed pass
        // for pass, one runtime's idle threads (ONNX Runtime's spin for well over 10 ms) shared the cores
        // with the other's timing.
        int rounds = peer == null ? 1 : PEER_ROUNDS;
        for (int round = 0; round < rounds; round++) {
            if (peer != null) PeerRun.settle(() -> fused.predict(BLOCK_WARMUP));
            for (int i = round; i < options.steps(); i += rounds) {
                fused.timeInference();
                unfused.timeInference();
            }
            for (int i = round; i < THOUSAND_IMAGE_RUNS; i += rounds) {
                fused.timeThousandImages();
                unfused.timeThousandImages();
            }
            if (peer != null) peer.timeBlock(round, rounds);
        }
        fused.freeze(false);
        unfused.freeze(false);
        KernelProfile profile = options.profile() ? fused.profile(options.steps()) : null;
        KernelProfile unfusedProfile = options.profile() ? unfused.profile(options.steps()) : null;
        List<KernelProfile> inference = new ArrayList<>();
        fused.freeze(true);
        unfused.freeze(true);
        if (options.profile()) inference.add(fused.profilePredict());
        // last: it changes the batch of the models
        inference.add(fused.timeBatchOne(options.profile()));
        unfused.timeBatchOne(false);
        if (peer != null) peer.timeBatchOne();
        fused.freeze(false);
        unfused.freeze(false);
        inference.removeIf(java.util.Objects::isNull);
        return new BenchResult(modelName, options, fused.result(), unfused.result(), machine, profile, unfusedProfile, inference,
                peer == null ? null : peer.result());
    }

    /** The peer's timings, taken in the same loops as the builds' (see {@link InferencePeer}). */
    private static final class PeerRun {
        private static final long SETTLE_MILLIS = 100;
        private final InferencePeer peer;
        private final BenchOptions options;
        private final List<Long> inferNanos = new ArrayList<>(), thousandNanos = new ArrayList<>(), batchOneNanos = new ArrayList<>();

        PeerRun(InferencePeer peer, BenchOptions options) {
            this.peer = peer;
            this.options = options;
        }

        /**
         * Before a runtime's block of timings after the other's: a pause, so the other's idle threads stop
         * spinning, then untimed passes, which wake this runtime's own threads and refill the caches.
         */
        static void settle(Runnable untimedPasses) {
            try {
                Thread.sleep(SETTLE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            untimedPasses.run();
        }

        /** The peer's share of one round: its inference passes and 1,000-image runs. */
        void timeBlock(int round, int rounds) {
            settle(() -> {
                for (int i = 0; i < (round == 0 ? Math.max(options.warmup(), BLOCK_WARMUP) : BLOCK_WARMUP); i++) peer.runBatch();
            });
            for (int i = round; i < options.steps(); i += rounds) inferNanos.add(timed(peer::runBatch));
            for (int i = round; i < THOUSAND_IMAGE_RUNS; i += rounds) {
                thousandNanos.add(timed(() -> {
                    for (int p = 0; p < Run.thousandPasses(options.batch()); p++) peer.runBatch();
                }));
            }
        }

        /** Warmed up as netc's batch-1 run is, then timed as many passes. */
        void timeBatchOne() {
            settle(peer::runOne);
            for (int i = 0; i < Math.max(options.warmup(), BATCH_ONE_WARMUP); i++) peer.runOne();
            for (int i = 0; i < batchOnePasses(options); i++) batchOneNanos.add(timed(peer::runOne));
        }

        InferencePeer.Timings result() {
            int batch = options.batch();
            return new InferencePeer.Timings(batch / (Run.median(inferNanos) / 1e9),
                    (double) Run.thousandPasses(batch) * batch / (Run.median(thousandNanos) / 1e9), Run.median(batchOneNanos) / 1e6);
        }

        private static long timed(Runnable work) {
            long t0 = System.nanoTime();
            work.run();
            return System.nanoTime() - t0;
        }
    }

    /** Blocks of netc's and the peer's inference timings, in turn (see {@link #measure}). */
    private static final int PEER_ROUNDS = 3;
    /** Untimed passes that open each block of timings after the other runtime's. */
    private static final int BLOCK_WARMUP = 3;

    /** Untimed batch-1 passes before the latency is timed (see {@code Run.timeBatchOne}). */
    private static final int BATCH_ONE_WARMUP = 300;

    /**
     * Timed batch-1 passes: at least 1,000 (a quarter of a second), not one per step: 60 passes of 0.2 ms took
     * 12 ms, which one burst of load from elsewhere could cover, and the median moved 0.22-0.38 ms between runs.
     */
    static int batchOnePasses(BenchOptions options) {
        return Math.max(options.steps(), 1000);
    }

    /** One compiled variant and its running totals. */
    private static final class Run {
        private final GeneratedModel model;
        private final Compilation compilation;
        private final BenchOptions options;
        private final float learningRate;
        private int step;
        private final List<Long> trainNanos = new ArrayList<>(), inferNanos = new ArrayList<>();
        private final List<Long> thousandNanos = new ArrayList<>(), batchOneNanos = new ArrayList<>();
        private final List<Long> trainHeapBytes = new ArrayList<>();
        private final Graph graph;
        private double firstLoss = Double.NaN, lastLoss = Double.NaN;
        private final String name;

        Run(Graph graph, OptimizerSpec optimizer, boolean fuse, String name, BenchOptions options, Backend backend) {
            this.options = options;
            this.name = name;
            this.graph = graph;
            this.compilation = Pipeline.compile(graph, optimizer, CompileOptions.training().fused(fuse).atBatch(options.batch()));
            this.model = backend.compile(compilation, name);
            this.learningRate = (float) optimizer.learningRate();
            model.setBatch(options.batch());
            ParameterInitializer.initialize(model, graph, options.seed());
            model.setSeed(options.seed());
            SyntheticData.fill(model, graph, options.seed());
        }

        /** Frees what the model holds outside the Java heap (a CUDA model's device memory). */
        void close() {
            if (model instanceof AutoCloseable device) {
                try {
                    device.close();
                } catch (Exception e) {
                    throw new IllegalStateException("releasing the benchmarked model failed: " + e.getMessage(), e);
                }
            }
        }

        /** Freezes (or thaws) the model's parameters: inference timings run frozen, training thawed. */
        void freeze(boolean frozen) {
            model.freezeParameters(frozen);
        }

        void train(int steps) {
            for (int i = 0; i < steps; i++) {
                model.forward(true);
                double loss = model.floatBuffer(Graph.LOSS)[0];
                if (Double.isNaN(firstLoss)) firstLoss = loss;
                lastLoss = loss;
                model.backwardAndUpdate(learningRate, ++step);
            }
        }

        KernelProfile profile(int steps) {
            KernelProfile p = KernelProfile.measure(compilation, model, options.batch(), steps, learningRate, step + 1);
            step += steps;
            return p;
        }

        /**
         * Wall time of {@code work}, waiting for the model before and after: a GPU model queues its kernels,
         * and work queued earlier is not this timing's.
         */
        private long timed(Runnable work) {
            model.synchronize();
            long t0 = System.nanoTime();
            work.run();
            model.synchronize();
            return System.nanoTime() - t0;
        }

        /** Inference at the bench batch, kernel by kernel. */
        KernelProfile profilePredict() {
            return KernelProfile.measurePredict(compilation, model, options.steps());
        }

        /** One training step, made once: a lambda made per timing would count as the step's own allocation. */
        private final Runnable trainOneStep = () -> train(1);

        void timeTraining() {
            long before = HeapAllocation.total();
            long nanos = timed(trainOneStep);
            long after = HeapAllocation.total();
            trainNanos.add(nanos); // boxed after the second reading: not the step's
            if (before >= 0 && after >= 0) trainHeapBytes.add(after - before);
        }

        void predict(int passes) {
            for (int i = 0; i < passes; i++) model.predict();
        }

        void timeInference() {
            inferNanos.add(timed(() -> predict(1)));
        }

        /** 1,000 images (rounded up to whole batches) in one timing. */
        void timeThousandImages() {
            thousandNanos.add(timed(() -> predict(thousandPasses())));
        }

        private int thousandPasses() { return thousandPasses(options.batch()); }

        static int thousandPasses(int batch) { return (THOUSAND + batch - 1) / batch; }

        /**
         * Latency of one image: the model at batch 1, warmed up, then one timed predict per step. Kernels
         * that only batch 1 reaches (the few-rows GEMM) are still interpreted or half-compiled after a few
         * passes, so the warm-up runs at least {@link #BATCH_ONE_WARMUP} of them (about a tenth of a second):
         * latency is a steady-state figure, as the peer's is. With {@code profile}, then the same passes
         * kernel by kernel (else null).
         */
        KernelProfile timeBatchOne(boolean profile) {
            model.setBatch(1);
            SyntheticData.fill(model, graph, options.seed());
            predict(Math.max(options.warmup(), BATCH_ONE_WARMUP));
            for (int i = 0; i < batchOnePasses(options); i++) {
                batchOneNanos.add(timed(() -> predict(1)));
            }
            // the same warmed-up model, kernel by kernel
            KernelProfile p = profile ? KernelProfile.measurePredict(compilation, model, options.steps()) : null;
            model.setBatch(options.batch());
            SyntheticData.fill(model, graph, options.seed());
            return p;
        }

        BenchResult.Variant result() {
            var plan = compilation.plan();
            int kernels = (int) plan.kernels().stream().filter(k -> !plan.isAlias(k)).count();
            long bytes = Traffic.of(plan, options.batch()).stream().mapToLong(Traffic.KernelTraffic::total).sum();
            long flops = dev.netc.ir.plan.Flops.of(plan, options.batch()).stream().mapToLong(Long::longValue).sum();
            int launches = CudaCodegen.generate(compilation, name).manifest().launches().size();
            double thousand = (double) thousandPasses() * options.batch() / (median(thousandNanos) / 1e9);
            return new BenchResult.Variant(kernels, bytes, flops, launches, imagesPerSecond(trainNanos),
                    imagesPerSecond(inferNanos), thousand, median(batchOneNanos) / 1e6, compilation.memory().peakBytes(),
                    firstLoss, lastLoss, trainHeapBytes.isEmpty() ? -1 : Math.round(median(trainHeapBytes)));
        }

        /** Images per second at the median step time. */
        private double imagesPerSecond(List<Long> nanos) {
            double median = median(nanos);
            return median <= 0 ? Double.NaN : options.batch() / (median / 1e9);
        }

        private static double median(List<Long> nanos) {
            if (nanos.isEmpty()) return Double.NaN;
            List<Long> sorted = nanos.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
        }
    }
}
