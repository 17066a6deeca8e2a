package dev.netc.runtime.bench;

import dev.netc.codegen.java.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlanner;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.train.ParameterInitializer;

/**
 * Trains a model on synthetic data, compiled fused and unfused in the same process, and times both:
 * each variant warms up, then the timed steps run in two rounds in alternating order (fused first,
 * then unfused first) so slow drift of the machine does not favour either. Both variants start from
 * the same parameters, data and dropout seed, so their losses agree as well as their speeds differ.
 */
public final class ModelBench {
    private ModelBench() {}

    /**
     * Measures one model.
     *
     * @param graph     the forward graph with its "loss" output (gradients are added here)
     * @param optimizer the update rule each step applies
     * @throws IllegalArgumentException when the graph has no loss or there is no optimizer
     */
    public static BenchResult run(Graph graph, OptimizerSpec optimizer, String modelName, BenchOptions options) {
        if (graph.output(Graph.LOSS).isEmpty())
            throw new IllegalArgumentException("model '" + modelName + "' has no loss to train: add a train block with `loss = ...`");
        if (optimizer == null) throw new IllegalArgumentException("model '" + modelName + "' has no optimizer");
        Run fused = new Run(graph, optimizer, true, modelName, options);
        Run unfused = new Run(graph, optimizer, false, modelName, options);
        fused.train(options.warmup());
        unfused.train(options.warmup());
        int firstHalf = options.steps() / 2, secondHalf = options.steps() - firstHalf;
        fused.timeTraining(firstHalf);
        unfused.timeTraining(firstHalf);
        unfused.timeTraining(secondHalf);
        fused.timeTraining(secondHalf);
        fused.predict(options.warmup());
        unfused.predict(options.warmup());
        fused.timeInference(firstHalf);
        unfused.timeInference(firstHalf);
        unfused.timeInference(secondHalf);
        fused.timeInference(secondHalf);
        return new BenchResult(modelName, options, fused.result(), unfused.result());
    }

    /** One compiled variant and its running totals. */
    private static final class Run {
        private final GeneratedModel model;
        private final KernelPlan plan;
        private final BenchOptions options;
        private final float learningRate;
        private int step;
        private long trainNanos, inferNanos;
        private int trainSteps, inferSteps;
        private double firstLoss = Double.NaN, lastLoss = Double.NaN;

        Run(Graph graph, OptimizerSpec optimizer, boolean fuse, String name, BenchOptions options) {
            this.options = options;
            this.plan = JavaBackend.plan(graph, optimizer, fuse);
            this.model = JavaBackend.compile(graph, optimizer, fuse, name);
            this.learningRate = (float) optimizer.learningRate();
            model.setBatch(options.batch());
            ParameterInitializer.initialize(model, graph, options.seed());
            model.setSeed(options.seed());
            SyntheticData.fill(model, graph, options.seed());
        }

        void train(int steps) {
            for (int i = 0; i < steps; i++) {
                model.forward(true);
                double loss = model.floatBuffer(Graph.LOSS)[0];
                if (Double.isNaN(firstLoss)) firstLoss = loss;
                lastLoss = loss;
                model.backward();
                model.update(learningRate, ++step);
            }
        }

        void timeTraining(int steps) {
            long t0 = System.nanoTime();
            train(steps);
            trainNanos += System.nanoTime() - t0;
            trainSteps += steps;
        }

        void predict(int passes) {
            for (int i = 0; i < passes; i++) model.predict();
        }

        void timeInference(int passes) {
            long t0 = System.nanoTime();
            predict(passes);
            inferNanos += System.nanoTime() - t0;
            inferSteps += passes;
        }

        BenchResult.Variant result() {
            return new BenchResult.Variant(plan.kernels().size(), imagesPerSecond(trainSteps, trainNanos),
                    imagesPerSecond(inferSteps, inferNanos), MemoryPlanner.plan(plan, options.batch()).peakBytes(),
                    firstLoss, lastLoss);
        }

        private double imagesPerSecond(int steps, long nanos) {
            return nanos <= 0 ? Double.NaN : (double) steps * options.batch() / (nanos / 1e9);
        }
    }
}
