package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.ir.Graph;
import dev.netc.runtime.data.Dataset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    static final Dataset DATA = ToyData.blobs("blobs", 103, 4);
    static final ModelBinding BINDING = ModelBinding.resolve(SoftmaxRegressionModel.graph(2, 3, false),
            SoftmaxRegressionModel.spec(10, List.of("accuracy")));

    @Test
    void eachEpochOrderIsAPermutationThatDependsOnlyOnSeedAndEpoch() {
        BatchSampler sampler = new BatchSampler(DATA, BINDING, 10, 42);
        int[] epoch0 = sampler.epochOrder(0), epoch1 = sampler.epochOrder(1);
        assertArrayEquals(IntStream.range(0, 103).toArray(), Arrays.stream(epoch0).sorted().toArray());
        assertArrayEquals(IntStream.range(0, 103).toArray(), Arrays.stream(epoch1).sorted().toArray());
        assertFalse(Arrays.equals(epoch0, epoch1), "epochs reshuffle");
        assertFalse(Arrays.equals(IntStream.range(0, 103).toArray(), epoch0), "the order is shuffled");

        BatchSampler again = new BatchSampler(DATA, BINDING, 10, 42);
        assertArrayEquals(epoch1, again.epochOrder(1), "epoch 1 without visiting epoch 0 first");
        assertArrayEquals(epoch0, again.epochOrder(0));
        assertFalse(Arrays.equals(epoch0, new BatchSampler(DATA, BINDING, 10, 43).epochOrder(0)));
    }

    @Test
    void dropsTheIncompleteLastBatch() {
        assertEquals(10, new BatchSampler(DATA, BINDING, 10, 1).stepsPerEpoch());
        assertEquals(1, new BatchSampler(DATA, BINDING, 103, 1).stepsPerEpoch());
        BatchSampler sampler = new BatchSampler(DATA, BINDING, 10, 1);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        model.setBatch(10);
        assertThrows(IllegalArgumentException.class, () -> sampler.fill(model, 0, 10));
    }

    @Test
    void fillsFeaturesAndClassIndicesInEpochOrder() {
        BatchSampler sampler = new BatchSampler(DATA, BINDING, 10, 9);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        model.setBatch(10);
        int[] order = sampler.epochOrder(2);
        int[] labels = sampler.fill(model, 2, 3);
        for (int i = 0; i < 10; i++) {
            int example = order[30 + i];
            assertEquals(DATA.features()[2 * example], model.x[2 * i]);
            assertEquals(DATA.features()[2 * example + 1], model.x[2 * i + 1]);
            assertEquals(DATA.labels()[example], model.y[i]);
            assertEquals(DATA.labels()[example], labels[i]);
        }
    }

    @Test
    void theShardsOfABatchAreItsConsecutiveSlicesSoRanksTogetherSeeWhatOneProcessSees() {
        BatchSampler sampler = new BatchSampler(DATA, BINDING, 12, 5);
        SoftmaxRegressionModel whole = new SoftmaxRegressionModel(2, 3, false);
        whole.setBatch(12);
        int[] all = sampler.fill(whole, 1, 4);
        for (int shard = 0; shard < 3; shard++) {
            SoftmaxRegressionModel part = new SoftmaxRegressionModel(2, 3, false);
            part.setBatch(4);
            int[] labels = sampler.fill(part, 1, 4, shard, 3);
            assertArrayEquals(Arrays.copyOfRange(all, 4 * shard, 4 * shard + 4), labels);
            assertArrayEquals(Arrays.copyOfRange(whole.x, 8 * shard, 8 * shard + 8), part.x);
        }
        SoftmaxRegressionModel part = new SoftmaxRegressionModel(2, 3, false);
        part.setBatch(4);
        assertThrows(IllegalArgumentException.class, () -> sampler.fill(part, 1, 4, 0, 5), "12 does not split over 5");
        assertThrows(IllegalArgumentException.class, () -> sampler.fill(part, 1, 4, 3, 3));
    }

    @Test
    void fillsOneHotLabelsForAFloatLabelsInput() {
        Graph graph = SoftmaxRegressionModel.graph(2, 3, true);
        ModelBinding binding = ModelBinding.resolve(graph, SoftmaxRegressionModel.spec(10, List.of()));
        assertEquals(3, binding.oneHotClasses());
        BatchSampler sampler = new BatchSampler(DATA, binding, 10, 9);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, true);
        model.setBatch(10);
        Arrays.fill(model.yOneHot, 5f); // stale values must be cleared
        int[] labels = sampler.fill(model, 0, 0);
        for (int i = 0; i < 10; i++)
            for (int c = 0; c < 3; c++) assertEquals(c == labels[i] ? 1f : 0f, model.yOneHot[3 * i + c]);
    }

    @Test
    void refusesABufferOfTheWrongBatch() {
        BatchSampler sampler = new BatchSampler(DATA, BINDING, 10, 9);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        model.setBatch(7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sampler.fill(model, 0, 0));
        assertEquals("input 'x' holds 14 floats, expected 10 x 2 (was setBatch called?)", e.getMessage());
    }
}
