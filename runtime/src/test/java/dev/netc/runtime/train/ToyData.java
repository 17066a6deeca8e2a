package dev.netc.runtime.train;

import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetSplits;
import java.util.Optional;
import java.util.SplittableRandom;

/** Linearly separable toy data: three Gaussian blobs in the plane. */
final class ToyData {
    private ToyData() {}

    static Dataset blobs(String name, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] centres = {{2, 0}, {-1, 1.7}, {-1, -1.7}};
        float[] features = new float[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            labels[i] = c;
            features[2 * i] = (float) (centres[c][0] + 0.5 * random.nextGaussian());
            features[2 * i + 1] = (float) (centres[c][1] + 0.5 * random.nextGaussian());
        }
        return new Dataset(name, new int[] {2}, features, labels, 3);
    }

    static DatasetSplits splits(int train, int test) {
        return new DatasetSplits(blobs("blobs-train", train, 1), Optional.of(blobs("blobs-test", test, 2)));
    }
}
