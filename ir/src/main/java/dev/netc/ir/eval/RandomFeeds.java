package dev.netc.ir.eval;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.SplittableRandom;

/**
 * Random tensors for checking a backend against the interpreter: values kept away from zero (so a
 * dropped term or a wrong sign shows) and class labels inside the range the graph one-hot encodes.
 */
public final class RandomFeeds {
    private RandomFeeds() {}

    /** Values in ±[0.1, 1] times scale, with random signs. */
    public static DTensor nonZero(int[] shape, SplittableRandom rng, double scale) {
        double[] d = new double[DTensor.count(shape)];
        for (int i = 0; i < d.length; i++) {
            double u = 0.1 + 0.9 * rng.nextDouble();
            d[i] = scale * (rng.nextBoolean() ? u : -u);
        }
        return new DTensor(shape, d);
    }

    /** Values in [0.5, 1.5], e.g. for variances. */
    public static DTensor positive(int[] shape, SplittableRandom rng) {
        double[] d = new double[DTensor.count(shape)];
        for (int i = 0; i < d.length; i++) d[i] = 0.5 + rng.nextDouble();
        return new DTensor(shape, d);
    }

    /** The one_hot depth the labels input feeds, or fallback when no one_hot reads it directly. */
    public static int labelDepth(Graph g, Node labels, int fallback) {
        for (int user : g.users().get(labels.id()))
            if (g.node(user).op() instanceof Op.OneHot oh) return oh.depth();
        return fallback;
    }
}
