package dev.netc.runtime.data;

import java.util.SplittableRandom;

/**
 * Sequence datasets: MNIST read as a sequence of rows or of columns, and the synthetic adding
 * problem (Hochreiter and Schmidhuber 1997; the form of Le et al. 2015), which needs no download.
 */
public final class SequenceData {
    private SequenceData() {}

    /**
     * Each [1, H, W] image as a sequence: {@code rows} gives [H, W] (time = rows, the same values),
     * {@code columns} gives [W, H] (time = columns, each image transposed).
     */
    public static Dataset imagesAsSequences(Dataset images, String order) throws DataException {
        int[] shape = images.exampleShape();
        if (shape.length != 3 || shape[0] != 1)
            throw new DataException("dataset " + images.name() + ": sequence=" + order + " needs one-channel images, got examples of "
                    + java.util.Arrays.toString(shape));
        int h = shape[1], w = shape[2];
        return switch (order) {
            case "rows" -> new Dataset(images.name(), new int[] {h, w}, images.features(), images.labels(), images.classes());
            case "columns" -> {
                float[] in = images.features(), out = new float[in.length];
                for (int n = 0, base = 0; n < images.size(); n++, base += h * w)
                    for (int r = 0; r < h; r++)
                        for (int c = 0; c < w; c++) out[base + c * h + r] = in[base + r * w + c];
                yield new Dataset(images.name(), new int[] {w, h}, out, images.labels(), images.classes());
            }
            default -> throw new DataException("dataset " + images.name() + ": sequence must be rows or columns, got '" + order + "'");
        };
    }

    /** The first {@code count} examples (all of them when there are fewer): mnist(subset=20000), a smaller training set. */
    public static Dataset first(Dataset data, int count) {
        int n = Math.min(count, data.size());
        return new Dataset(data.name(), data.exampleShape(), java.util.Arrays.copyOf(data.features(), n * data.exampleSize()),
                java.util.Arrays.copyOf(data.labels(), n), data.classes());
    }

    /**
     * The adding problem: each example is {@code length} steps of (value, marker), values uniform in
     * [0, 1), markers 0 except at one step in each half of the sequence; the target is the sum of
     * the two marked values. Predicting the mean (1) scores a mean squared error of 1/6 (about
     * 0.167); a model must find the markers across the sequence to do better. Seeded: the same
     * arguments give the same data.
     */
    public static DatasetSplits addingProblem(int length, int train, int test, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return new DatasetSplits(adding("adding_problem", length, train, rng.split()),
                java.util.Optional.of(adding("adding_problem (test)", length, test, rng.split())));
    }

    private static Dataset adding(String name, int length, int count, SplittableRandom rng) {
        float[] features = new float[count * length * 2], targets = new float[count];
        int half = length / 2;
        for (int n = 0; n < count; n++) {
            int base = n * length * 2;
            for (int t = 0; t < length; t++) features[base + 2 * t] = (float) rng.nextDouble();
            int first = rng.nextInt(half), second = half + rng.nextInt(length - half);
            features[base + 2 * first + 1] = 1;
            features[base + 2 * second + 1] = 1;
            targets[n] = features[base + 2 * first] + features[base + 2 * second];
        }
        return new Dataset(name, new int[] {length, 2}, features, new int[count], 1, targets);
    }
}
