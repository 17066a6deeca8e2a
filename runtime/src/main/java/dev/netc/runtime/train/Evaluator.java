package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.data.Dataset;
import java.util.OptionalDouble;

/**
 * Measures a model on every example of a dataset with {@code forward(false)} (dropout off), in chunks
 * of at most {@link #MAX_BATCH} examples plus one smaller final chunk. The model's {@code loss} output
 * is taken to be the mean over its batch, so chunk losses are weighted by chunk size. The model's batch
 * is restored afterwards.
 */
public final class Evaluator {
    public static final int MAX_BATCH = 1000;

    private Evaluator() {}

    /** Loss and (when the model has class scores) accuracy over the whole dataset. */
    public static Evaluation evaluate(GeneratedModel model, Graph graph, TrainSpec spec, Dataset data) {
        return evaluate(model, graph, spec, data, MAX_BATCH);
    }

    /** Same, in chunks of at most {@code batch} examples (bounds the memory the activations take). */
    public static Evaluation evaluate(GeneratedModel model, Graph graph, TrainSpec spec, Dataset data, int batch) {
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        ModelBinding binding = ModelBinding.resolve(graph, spec);
        binding.check(data);
        return evaluate(model, binding, data, batch);
    }

    static Evaluation evaluate(GeneratedModel model, ModelBinding binding, Dataset data) {
        return evaluate(model, binding, data, MAX_BATCH);
    }

    private static Evaluation evaluate(GeneratedModel model, ModelBinding binding, Dataset data, int maxBatch) {
        int n = data.size();
        if (n == 0) throw new TrainingSetupException("dataset " + data.name() + " is empty");
        int original = model.batch();
        int chunk = Math.min(maxBatch, n);
        double lossSum = 0;
        long correct = 0;
        // the parameters stay as they are through the evaluation: the model may keep them packed
        model.freezeParameters(true);
        try {
            for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            if (model.batch() != count) model.setBatch(count);
            int[] examples = new int[count];
            for (int i = 0; i < count; i++) examples[i] = from + i;
            BatchSampler.copy(model, binding, data, examples);
            model.forward(false);
            lossSum += (double) model.floatBuffer(Graph.LOSS)[0] * count;
            if (binding.measuresAccuracy(data))
                correct += correct(model.floatBuffer(binding.scoresOutput().get()), binding.scoreClasses(), data.labels(), from, count);
            }
        } finally {
            model.freezeParameters(false);
        }
        if (original > 0 && model.batch() != original) model.setBatch(original);
        OptionalDouble accuracy = binding.measuresAccuracy(data) ? OptionalDouble.of((double) correct / n) : OptionalDouble.empty();
        return new Evaluation(lossSum / n, accuracy, n);
    }

    /** How many rows of {@code scores} ([count, k]) have their first maximum at {@code labels[from + row]}. */
    static int correct(float[] scores, int k, int[] labels, int from, int count) {
        int hits = 0;
        for (int row = 0; row < count; row++) {
            int base = row * k, best = 0;
            for (int c = 1; c < k; c++) if (scores[base + c] > scores[base + best]) best = c;
            if (best == labels[from + row]) hits++;
        }
        return hits;
    }
}
