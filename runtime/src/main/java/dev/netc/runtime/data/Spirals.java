package dev.netc.runtime.data;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Two interleaved spirals in the plane, one class each: a small problem a linear model cannot solve
 * but a hidden layer can. Deterministic for a seed; 80% of the points train, 20% test.
 */
public final class Spirals {
    public static final double TRAIN_FRACTION = 0.8;

    private Spirals() {}

    /**
     * @param points total number of points (at least 10), split evenly between the two classes
     * @param noise  standard deviation of the Gaussian noise added to each coordinate (radius is at most 1)
     * @param turns  how many full turns each spiral makes (positive)
     * @param seed   seeds the noise and the train/test shuffle
     */
    public static DatasetSplits generate(int points, double noise, double turns, long seed) {
        if (points < 10) throw new IllegalArgumentException("spirals: need at least 10 points, got " + points);
        if (!(noise >= 0) || !Double.isFinite(noise)) throw new IllegalArgumentException("spirals: noise must be >= 0, got " + noise);
        if (!(turns > 0) || !Double.isFinite(turns)) throw new IllegalArgumentException("spirals: turns must be > 0, got " + turns);
        SplittableRandom random = new SplittableRandom(seed);
        float[] xy = new float[2 * points];
        int[] labels = new int[points];
        int perClass0 = (points + 1) / 2;
        for (int i = 0; i < points; i++) {
            int cls = i < perClass0 ? 0 : 1;
            int j = cls == 0 ? i : i - perClass0;
            int inClass = cls == 0 ? perClass0 : points - perClass0;
            double t = (j + 0.5) / inClass; // 0..1 along the spiral
            double angle = t * turns * 2 * Math.PI + cls * Math.PI;
            double radius = 0.05 + 0.95 * t;
            xy[2 * i] = (float) (radius * Math.cos(angle) + noise * gaussian(random));
            xy[2 * i + 1] = (float) (radius * Math.sin(angle) + noise * gaussian(random));
            labels[i] = cls;
        }
        int[] order = Permutations.shuffled(points, random);
        int trainCount = (int) Math.round(points * TRAIN_FRACTION);
        return new DatasetSplits(subset("spirals-train", xy, labels, order, 0, trainCount),
                Optional.of(subset("spirals-test", xy, labels, order, trainCount, points)));
    }

    private static Dataset subset(String name, float[] xy, int[] labels, int[] order, int from, int to) {
        float[] f = new float[2 * (to - from)];
        int[] l = new int[to - from];
        for (int k = from; k < to; k++) {
            int src = order[k];
            f[2 * (k - from)] = xy[2 * src];
            f[2 * (k - from) + 1] = xy[2 * src + 1];
            l[k - from] = labels[src];
        }
        return new Dataset(name, new int[] {2}, f, l, 2);
    }

    /** Box-Muller by hand, so the points do not depend on the JDK's nextGaussian algorithm. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1]
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
