package dev.netc.runtime.bench;

import java.lang.management.ManagementFactory;

/**
 * Bytes the JVM has allocated on the heap so far, over all threads (the kernels' worker threads
 * included), from HotSpot's per-thread allocation counters.
 */
final class HeapAllocation {
    private HeapAllocation() {}

    /** The running total, or -1 when this JVM does not count allocation. */
    static long total() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getTotalThreadAllocatedBytes();
        }
        return -1;
    }
}
