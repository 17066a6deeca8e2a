package dev.netc.runtime.bench;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Bytes the JVM has allocated on the heap so far, over all threads (the kernels' worker threads
 * included), from HotSpot's per-thread allocation counters. A runtime image without the
 * {@code jdk.management} module (a jlink'd one, say) has no such counters: the total then reads -1.
 */
final class HeapAllocation {
    private static final LongSupplier TOTAL = ModuleLayer.boot().findModule("jdk.management").isPresent()
            ? HotSpotCounters.total()
            : () -> -1;

    private HeapAllocation() {}

    /** The running total, or -1 when this JVM does not count allocation. */
    static long total() {
        return TOTAL.getAsLong();
    }

    /** Kept apart so that com.sun.management is loaded only where its module is present. */
    private static final class HotSpotCounters {
        /**
         * Looked up once: {@link ManagementFactory#getThreadMXBean} builds its answer through streams and sets on
         * every call, about 800 bytes that the bench counted as the training step's own.
         */
        static LongSupplier total() {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                    && threads.isThreadAllocatedMemorySupported()) {
                return () -> threads.isThreadAllocatedMemoryEnabled() ? threads.getTotalThreadAllocatedBytes() : -1;
            }
            return () -> -1;
        }
    }
}
