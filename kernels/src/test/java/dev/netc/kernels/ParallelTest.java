package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void runsEveryIndexExactlyOnce() {
        int count = 1000;
        var visits = new AtomicIntegerArray(count);
        Parallel.forRange(count, visits::incrementAndGet);
        for (int i = 0; i < count; i++) {
            assertEquals(1, visits.get(i), "index " + i);
        }
        assertTrue(Parallel.threads() >= 1);
    }

    @Test
    void nestedCallsCompleteEveryIndex() {
        var visits = new AtomicIntegerArray(17 * 13);
        Parallel.forRange(17, outer -> Parallel.forRange(13, inner -> visits.incrementAndGet(outer * 13 + inner)));
        for (int i = 0; i < visits.length(); i++) {
            assertEquals(1, visits.get(i), "index " + i);
        }
    }

    @Test
    void bodyFailurePropagatesAndPoolStaysUsable() {
        var failure = assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(64, i -> {
            if (i == 40) {
                throw new IllegalArgumentException("boom at " + i);
            }
        }));
        assertTrue(failure.getMessage().contains("boom"));
        var visits = new AtomicIntegerArray(8);
        Parallel.forRange(8, visits::incrementAndGet);
        for (int i = 0; i < 8; i++) {
            assertEquals(1, visits.get(i));
        }
    }
}
