package dev.netc.runtime.bench;

import java.lang.management.ManagementFactory;

/**
 * Bytes the JVM has allocated on the heap so far, over all threads (the kernels' worker threads
 * included), from HotSpot's per-thread allocation counters.
 */
final class HeapAllocation {
    /**
     * Looked up once: {@link ManagementFactory#getThreadMXBean} builds its answer through streams and sets on
     * every call, about 800 bytes that the bench counted as the training step's own.
     */
    private static final com.sun.management.ThreadMXBean THREADS =
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                    && threads.isThreadAllocatedMemorySupported() ? threads : null;

    private HeapAllocation() {}

    /** The running total, or -1 when this JVM does not count allocation. */
    static long total() {
        return THREADS != null && THREADS.isThreadAllocatedMemoryEnabled() ? THREADS.getTotalThreadAllocatedBytes() : -1;
    }
}
