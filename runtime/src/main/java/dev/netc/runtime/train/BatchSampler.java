package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.Permutations;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Feeds shuffled training batches into a model. Epoch k visits the examples in an order that is a
 * pure function of (seed, k), so training can resume mid-run and see the same batches. A final batch
 * smaller than the batch size is dropped (every step sees exactly {@code batchSize} examples).
 */
public final class BatchSampler {
    private final Dataset data;
    private final ModelBinding binding;
    private final int batchSize;
    private final long shuffleSeed;
    private int cachedEpoch = -1;
    private int[] cachedOrder;

    public BatchSampler(Dataset data, ModelBinding binding, int batchSize, long seed) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (batchSize > data.size())
            throw new TrainingSetupException("batch size " + batchSize + " is larger than the " + data.size()
                    + " examples of " + data.name());
        binding.check(data);
        this.data = data;
        this.binding = binding;
        this.batchSize = batchSize;
        this.shuffleSeed = Seeds.derive(seed, "shuffle");
    }

    public int batchSize() { return batchSize; }

    /** Full batches per epoch (the remainder is dropped). */
    public int stepsPerEpoch() { return data.size() / batchSize; }

    /** The order in which epoch {@code epoch} (counted from 0) visits the examples: a permutation of 0..N-1. */
    public int[] epochOrder(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        return Permutations.shuffled(data.size(), new SplittableRandom(Seeds.derive(shuffleSeed, epoch)));
    }

    /**
     * Writes batch {@code index} (counted from 0) of epoch {@code epoch} into the model's inputs, whose
     * batch must already be {@link #batchSize()}, and returns the labels of that batch.
     */
    public int[] fill(GeneratedModel model, int epoch, int index) {
        return fill(model, epoch, index, 0, 1);
    }

    /**
     * Writes shard {@code shard} of {@code shards} equal, consecutive slices of batch {@code index} of epoch
     * {@code epoch} into the model's inputs (whose batch must be {@code batchSize() / shards}) and returns its labels.
     * The shards of a batch together are the batch, in order: data-parallel ranks see what one process would.
     */
    public int[] fill(GeneratedModel model, int epoch, int index, int shard, int shards) {
        if (shards < 1 || shard < 0 || shard >= shards || batchSize % shards != 0)
            throw new IllegalArgumentException("shard " + shard + " of " + shards + " of a batch of " + batchSize);
        if (index < 0 || index >= stepsPerEpoch())
            throw new IllegalArgumentException("batch index " + index + " outside 0.." + (stepsPerEpoch() - 1));
        if (epoch != cachedEpoch) {
            cachedOrder = epochOrder(epoch);
            cachedEpoch = epoch;
        }
        int size = batchSize / shards, first = index * batchSize + shard * size;
        int[] examples = Arrays.copyOfRange(cachedOrder, first, first + size);
        copy(model, binding, data, examples);
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) labels[i] = data.labels()[examples[i]];
        return labels;
    }

    /** Copies the given examples (in order) into the model's features and labels inputs. */
    static void copy(GeneratedModel model, ModelBinding binding, Dataset data, int[] examples) {
        int n = examples.length, size = binding.exampleSize();
        float[] features = model.floatBuffer(binding.featuresInput());
        if (features.length != n * size)
            throw new IllegalStateException("input '" + binding.featuresInput() + "' holds " + features.length
                    + " floats, expected " + n + " x " + size + " (was setBatch called?)");
        float[] source = data.features();
        for (int i = 0; i < n; i++) System.arraycopy(source, examples[i] * size, features, i * size, size);
        int[] labels = data.labels();
        if (data.hasTargets()) {
            int k = binding.oneHotClasses();
            float[] target = model.floatBuffer(binding.labelsInput());
            if (target.length != n * k) throw new IllegalStateException("labels input '" + binding.labelsInput() + "' holds "
                    + target.length + " floats, expected " + n + " x " + k);
            for (int i = 0; i < n; i++) System.arraycopy(data.targets(), examples[i] * k, target, i * k, k);
        } else if (binding.oneHotClasses() == 0) {
            int[] target = model.intBuffer(binding.labelsInput());
            if (target.length != n) throw new IllegalStateException("labels input '" + binding.labelsInput() + "' holds "
                    + target.length + " ints, expected " + n);
            for (int i = 0; i < n; i++) target[i] = labels[examples[i]];
        } else {
            int k = binding.oneHotClasses();
            float[] target = model.floatBuffer(binding.labelsInput());
            if (target.length != n * k) throw new IllegalStateException("labels input '" + binding.labelsInput() + "' holds "
                    + target.length + " floats, expected " + n + " x " + k);
            Arrays.fill(target, 0f);
            for (int i = 0; i < n; i++) target[i * k + labels[examples[i]]] = 1f;
        }
    }
}
