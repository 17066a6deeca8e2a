package dev.netc.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Splits index ranges over all cores with one team of daemon worker threads (one per core but the
 * caller's, which works too).
 *
 * <p>Each thread first takes the indices of its own contiguous share of the range, in order, then helps
 * with the others' shares, so uneven work still balances itself. The shares are the same call after
 * call, so a kernel's task i runs on the same core step after step, and usually on the same core as
 * task i of the kernels around it (an image's activations, a block of weights): stores then find their
 * lines in their own core's cache instead of waiting for the other core to give them up, which in this
 * VM took several times as long as the work (conv1's forward after its output had been read on the
 * other core: 0.60 -> 1.08 ms).
 *
 * <p>A call made from inside a running body (nested parallelism, e.g. a GEMM inside a per-image
 * convolution task) runs serially on the current thread: the cores are already busy and waiting on
 * the team from inside it would only add latency.
 *
 * <p>Why not a ForkJoinPool: a pass runs one parallel region per kernel, microseconds apart, and
 * a pool worker that has parked takes 20-60 microseconds to wake (measured in this VM), which is a
 * tenth of a batch-1 inference. Idle workers here spin for {@link #SPIN_NANOS} before parking, as
 * OpenMP runtimes and ONNX Runtime's pool do, so back-to-back regions start at once.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** How long an idle worker waits for the next region, spinning, before it parks. */
    static final long SPIN_NANOS = 250_000;
    /** Ints between two threads' counters: a cache line, so taking an index does not contend with the other's. */
    private static final int SLOT_STRIDE = 16;
    /** True on a thread while it runs bodies of a forRange call (worker or participating caller). */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** One region at a time has the workers; a caller on another thread meanwhile runs its region alone. */
    private static final ReentrantLock REGION_OWNER = new ReentrantLock();
    private static final Team TEAM = THREADS > 1 ? new Team(THREADS - 1) : null;

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
        if (count == 1 || TEAM == null || INSIDE.get() || !REGION_OWNER.tryLock()) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            TEAM.run(count, body, null, 0);
        } finally {
            REGION_OWNER.unlock();
        }
    }

    /**
     * The team's one region, reused by every forRange call (a region per call was a quarter of the heap a
     * training step allocated): its indices, handed out one at a time, and the first failure of a body.
     */
    private static final class Region {
        /** The generation between two calls: a worker that wakes late finds no work in it. */
        static final long CLOSED = -1;
        /** Written by the region owner before it publishes the generation, read by threads that match it. */
        int count;
        IntConsumer body;
        /** Instead of body, for {@link #forChunks}: index i runs chunks over [i * CHUNK, ...) of chunkTotal. */
        RangeBody chunks;
        int chunkTotal;
        /** Per thread (slot 0 the caller, slot w + 1 worker w): the next index of its share, one cache line apart. */
        final AtomicIntegerArray next = new AtomicIntegerArray(THREADS * SLOT_STRIDE);
        /** Threads inside {@link #drain}: the caller returns once it is zero after its own drain. */
        final AtomicInteger active = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Where share s of [0, count) starts (s = THREADS: count). */
        int shareStart(int s) {
            return (int) ((long) count * s / THREADS);
        }

        /** Points every share's counter at its first index, for a new call. */
        void resetShares() {
            for (int s = 0; s < THREADS; s++) {
                next.set(s * SLOT_STRIDE, shareStart(s));
            }
        }

        /** The call this region serves now, or {@link #CLOSED}. */
        volatile long generation = CLOSED;

        /**
         * Runs bodies of call {@code served} until the indices run out. A thread counts itself active before
         * it checks the generation and takes an index, and the caller closes the generation before it waits
         * for active == 0: so a worker either is waited for, or sees the call closed (or a later one) and
         * takes nothing, never an index of the next call with this one's body.
         */
        void drain(long served, int slot) {
            active.incrementAndGet();
            try {
                if (generation != served) {
                    return;
                }
                boolean outer = !INSIDE.get();
                INSIDE.set(Boolean.TRUE);
                try {
                    for (int k = 0; k < THREADS; k++) { // its own share first, then the others' in turn
                        int share = (slot + k) % THREADS, end = shareStart(share + 1);
                        for (int i = next.getAndIncrement(share * SLOT_STRIDE); i < end; i = next.getAndIncrement(share * SLOT_STRIDE)) {
                            try {
                                if (chunks != null) {
                                    chunks.run(i * CHUNK, Math.min(chunkTotal, (i + 1) * CHUNK));
                                } else {
                                    body.accept(i);
                                }
                            } catch (RuntimeException | Error e) {
                                failure.compareAndSet(null, e);
                                for (int t = 0; t < THREADS; t++) next.set(t * SLOT_STRIDE, count); // stop handing out work
                            }
                        }
                    }
                } finally {
                    if (outer) {
                        INSIDE.set(Boolean.FALSE);
                    }
                }
            } finally {
                active.decrementAndGet();
            }
        }
    }

    /** The worker threads and the region they serve; only the region owner publishes. */
    private static final class Team {
        private final Worker[] workers;
        private final Region region = new Region();
        private volatile long generation;

        Team(int size) {
            workers = new Worker[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        /** Runs body(i), or chunks over [i * CHUNK, ...) of chunkTotal when chunks is not null, for i in [0, count). */
        void run(int count, IntConsumer body, RangeBody chunks, int chunkTotal) {
            Region r = region;
            r.count = count;
            r.body = body;
            r.chunks = chunks;
            r.chunkTotal = chunkTotal;
            r.resetShares();
            r.failure.set(null);
            long call = generation + 1; // written by the region owner only
            r.generation = call;
            generation = call;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            r.drain(call, 0); // the caller works too, on share 0
            r.generation = Region.CLOSED;
            while (r.active.get() != 0) {
                Thread.onSpinWait();
            }
            r.body = null; // what the body captured is not kept alive until the next call
            r.chunks = null;
            Throwable failed = r.failure.getAndSet(null);
            switch (failed) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(failed);
            }
        }
    }

    private static final class Worker extends Thread {
        private final Team team;
        /** Its share of each region: the caller has 0. */
        private final int slot;
        /** Set before the worker parks (and re-checks for work), so a publisher that sees it unparks. */
        volatile boolean parked;

        Worker(Team team, int index) {
            super("netc-kernels-" + index);
            this.team = team;
            this.slot = index + 1;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long started = System.nanoTime();
                int spins = 0;
                while (team.generation == seen) {
                    if ((++spins & 63) != 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (System.nanoTime() - started < SPIN_NANOS) {
                        // on an idle core this returns at once; where threads outnumber cores (two MPI
                        // ranks on two cores) it hands the core to a thread with work
                        Thread.yield();
                        continue;
                    }
                    parked = true;
                    if (team.generation == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    started = System.nanoTime();
                }
                seen = team.generation;
                team.region.drain(seen, slot);
            }
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
        if (!REGION_OWNER.tryLock()) { // another thread's region has the team: this one runs alone
            for (int c = 0; c < chunks; c++) {
                body.run(c * CHUNK, Math.min(count, (c + 1) * CHUNK));
            }
            return;
        }
        try {
            TEAM.run(chunks, null, body, count); // the region splits the chunks itself: no lambda per call
        } finally {
            REGION_OWNER.unlock();
        }
    }

    /** Elements per chunk of {@link #forChunks}: 64 KiB of floats, a few L1 loads per operand. */
    public static final int CHUNK = 1 << 14;

}
