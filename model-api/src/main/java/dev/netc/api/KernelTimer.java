package dev.netc.api;

/**
 * Receives the wall time of each kernel a model runs, for {@code netc bench --profile}. A model calls
 * {@link #lap} after each kernel with the kernel's index in its plan (the optimizer update, which
 * is no plan kernel, reports {@link #UPDATE}) and the time the kernel started; the timer returns the
 * current time, which starts the next kernel's clock.
 */
@FunctionalInterface
public interface KernelTimer {
    /** The index the optimizer update reports. */
    int UPDATE = -1;

    /**
     * Records one kernel run.
     *
     * @param kernel       the kernel's index in the plan, or {@link #UPDATE}
     * @param startedNanos {@link System#nanoTime()} when it started
     * @return {@link System#nanoTime()} now
     */
    long lap(int kernel, long startedNanos);
}
