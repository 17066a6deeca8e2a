package dev.netc.runtime.data;

import java.util.Arrays;

/**
 * A labelled dataset held in memory: {@code size()} examples, each of shape {@code exampleShape},
 * features row-major ({@code size() x exampleSize()}), one class index per example. A regression
 * dataset (the adding problem) also has {@code targets}: {@code targetSize()} floats per example,
 * row-major, which go into an f32 [B, K] labels input as they are; its labels are all 0 (one class).
 * Classification datasets have no targets (null).
 */
public record Dataset(String name, int[] exampleShape, float[] features, int[] labels, int classes, float[] targets) {

    /** A classification dataset (no regression targets). */
    public Dataset(String name, int[] exampleShape, float[] features, int[] labels, int classes) {
        this(name, exampleShape, features, labels, classes, null);
    }

    public Dataset {
        exampleShape = exampleShape.clone();
        int exampleSize = 1;
        for (int d : exampleShape) {
            if (d <= 0) throw new IllegalArgumentException(name + ": example shape " + Arrays.toString(exampleShape) + " has a non-positive dimension");
            exampleSize *= d;
        }
        if (classes <= 0) throw new IllegalArgumentException(name + ": classes must be positive, got " + classes);
        if ((long) labels.length * exampleSize != features.length)
            throw new IllegalArgumentException(name + ": " + labels.length + " labels need " + (long) labels.length * exampleSize
                    + " feature values, got " + features.length);
        if (targets != null && (labels.length == 0 || targets.length % labels.length != 0 || targets.length == 0))
            throw new IllegalArgumentException(name + ": " + targets.length + " target values for " + labels.length + " examples");
        for (int i = 0; i < labels.length; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of example " + i + " is outside 0.." + (classes - 1));
    }

    /** Number of examples. */
    public int size() { return labels.length; }

    /** Number of feature values per example (the product of the example shape). */
    public int exampleSize() {
        int n = 1;
        for (int d : exampleShape) n *= d;
        return n;
    }

    @Override public int[] exampleShape() { return exampleShape.clone(); }

    /** Whether this is a regression dataset (targets instead of class labels). */
    public boolean hasTargets() { return targets != null; }

    /** Regression target values per example; 0 for a classification dataset. */
    public int targetSize() { return targets == null ? 0 : targets.length / labels.length; }

    /** How many examples carry each label, indexed by class. */
    public int[] labelHistogram() {
        int[] counts = new int[classes];
        for (int label : labels) counts[label]++;
        return counts;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Dataset d && name.equals(d.name) && classes == d.classes && Arrays.equals(exampleShape, d.exampleShape)
                && Arrays.equals(features, d.features) && Arrays.equals(labels, d.labels) && Arrays.equals(targets, d.targets);
    }

    @Override public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(labels)) + Arrays.hashCode(features);
    }

    @Override public String toString() {
        return name + " (" + size() + " examples of " + Arrays.toString(exampleShape) + ", " + classes + " classes)";
    }
}
