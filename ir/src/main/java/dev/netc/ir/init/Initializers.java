package dev.netc.ir.init;

import dev.netc.ir.Init;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Draws a parameter's initial values. Fans follow {@link Init#fans}; the random initialisers match
 * Keras's definitions, so the same model trains like its Keras counterpart. Deterministic for a seed.
 */
public final class Initializers {
    private Initializers() {}

    /**
     * The std of a standard normal truncated to [-2, 2]; Keras divides by it so that a truncated
     * initialiser ends up with the standard deviation it asks for.
     */
    static final double TRUNCATED_STD = 0.87962566103423978;

    /**
     * Row-major initial values for a parameter of the given shape.
     *
     * @throws IllegalArgumentException when a {@link Init.Values} count differs from the element count
     */
    public static double[] sample(Init init, int[] shape, SplittableRandom rng) {
        int n = count(shape);
        double[] out = new double[n];
        switch (init) {
            case Init.Zeros z -> { }
            case Init.Ones o -> Arrays.fill(out, 1);
            case Init.Constant c -> Arrays.fill(out, c.value());
            case Init.Normal nd -> fill(out, () -> nd.mean() + nd.stddev() * rng.nextGaussian());
            case Init.TruncatedNormal t -> fill(out, () -> t.mean() + t.stddev() * truncatedGaussian(rng));
            case Init.Uniform u -> fill(out, () -> uniform(rng, u.low(), u.high()));
            case Init.GlorotUniform g -> {
                long[] fans = Init.fans(shape);
                double limit = Math.sqrt(6.0 / (fans[0] + fans[1]));
                fill(out, () -> uniform(rng, -limit, limit));
            }
            case Init.HeNormal h -> {
                // Keras: VarianceScaling(2.0, "fan_in", "truncated_normal"), whose values have std sqrt(2 / fan_in).
                double stddev = Math.sqrt(2.0 / Init.fans(shape)[0]) / TRUNCATED_STD;
                fill(out, () -> stddev * truncatedGaussian(rng));
            }
            case Init.Orthogonal o -> Orthogonal.fill(out, shape, rng);
            case Init.Values v -> {
                if (v.values().length != n)
                    throw new IllegalArgumentException("initial values: " + v.values().length + " numbers given for a parameter of shape "
                            + Arrays.toString(shape) + " (" + n + " elements)");
                System.arraycopy(v.values(), 0, out, 0, n);
            }
        }
        return out;
    }

    /** A standard normal draw, redrawn until it lies within two standard deviations (as TensorFlow does). */
    static double truncatedGaussian(SplittableRandom rng) {
        while (true) {
            double z = rng.nextGaussian();
            if (Math.abs(z) <= 2) return z;
        }
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) { return lo + (hi - lo) * rng.nextDouble(); }

    private static void fill(double[] out, DoubleSupplier draw) {
        for (int i = 0; i < out.length; i++) out[i] = draw.getAsDouble();
    }

    private static int count(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("parameter too large: " + Arrays.toString(shape));
        return (int) n;
    }
}
