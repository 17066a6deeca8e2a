package dev.netc.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Splits index ranges over all cores with one shared pool of daemon threads.
 *
 * <p>Indices are handed out dynamically (one counter shared by the workers), so uneven work balances
 * itself. A call made from inside a running body (nested parallelism, e.g. a GEMM inside a per-image
 * convolution task) runs serially on the current thread: the cores are already busy and waiting on
 * the pool from inside it would only add latency.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, Parallel::newWorker, null, false);
    /** True on a thread while it runs bodies of a forRange call (pool worker or participating caller). */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    /** Number of threads a {@link #forRange} call uses at most. */
    public static int threads() {
        return THREADS;
    }

    /**
     * True on a thread running a body of a forRange call: a nested forRange runs its bodies in turn
     * on this thread, so a kernel called per image from such a body should not split the image.
     */
    public static boolean inside() {
        return INSIDE.get();
    }

    /** Runs body(i) for i in [0, count) split over all cores; returns when every call has finished. */
    public static void forRange(int count, IntConsumer body) {
        if (count <= 0) {
            return;
        }
        if (count == 1 || THREADS == 1 || INSIDE.get()) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            boolean outer = !INSIDE.get();
            INSIDE.set(Boolean.TRUE);
            try {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    body.accept(i);
                }
            } finally {
                if (outer) {
                    INSIDE.set(Boolean.FALSE);
                }
            }
        };
        int helpers = Math.min(count, THREADS) - 1;
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[helpers];
        for (int t = 0; t < helpers; t++) {
            tasks[t] = POOL.submit(drain);
        }
        Throwable failure = null;
        try {
            drain.run(); // the caller works too instead of parking
        } catch (RuntimeException | Error e) {
            next.set(count); // stop handing out work
            failure = e;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (RuntimeException | Error e) {
                next.set(count);
                if (failure == null) {
                    failure = e;
                }
            }
        }
        switch (failure) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(failure);
        }
    }

    /** The body of {@link #forChunks}: handles indices [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs body over [0, count) in chunks of whole cache lines split over all cores, or in one call on
     * this thread when count is too small to be worth waking the others. For elementwise loops and
     * optimizer updates, whose iterations are independent, so the result never depends on the split.
     */
    public static void forChunks(int count, RangeBody body) {
        if (count < CHUNK * 2 || THREADS == 1 || INSIDE.get()) {
            body.run(0, count);
            return;
        }
        int chunks = (count + CHUNK - 1) / CHUNK;
        forRange(chunks, c -> body.run(c * CHUNK, Math.min(count, (c + 1) * CHUNK)));
    }

    /** Elements per chunk of {@link #forChunks}: 64 KiB of floats, a few L1 loads per operand. */
    public static final int CHUNK = 1 << 14;

    private static ForkJoinWorkerThread newWorker(ForkJoinPool pool) {
        ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        thread.setDaemon(true);
        thread.setName("netc-kernels-" + thread.getPoolIndex());
        return thread;
    }
}
