package dev.netc.runtime.bench;

/**
 * Settings of {@link ModelBench#run}.
 *
 * @param batch   images (examples) per step, for training and inference
 * @param warmup  untimed steps per variant first, so the JIT has compiled the hot code
 * @param steps   timed steps per variant (training steps, and as many inference passes)
 * @param seed    seeds the synthetic data, the parameters and dropout (the same for both variants)
 * @param profile also time the fused build kernel by kernel ({@link KernelProfile}), after the comparison
 * @param backend where both builds run: "java" or "cuda" (named in the report)
 */
public record BenchOptions(int batch, int warmup, int steps, long seed, boolean profile, String backend) {
    public BenchOptions {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (warmup < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmup);
        if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
    }

    /** On the Java backend. */
    public BenchOptions(int batch, int warmup, int steps, long seed, boolean profile) { this(batch, warmup, steps, seed, profile, "java"); }

    /** On the Java backend, without the kernel profile. */
    public BenchOptions(int batch, int warmup, int steps, long seed) { this(batch, warmup, steps, seed, false); }
}
