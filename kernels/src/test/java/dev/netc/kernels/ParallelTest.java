package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Assumptions;
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

    /**
     * forChunks hands the region its body and the chunk count (no lambda per call): every index once, in
     * whole chunks, then a forRange on the same region runs its own body, and forChunks again after it.
     */
    @Test
    void chunksCoverEveryIndexOnceBetweenRangeCalls() {
        int count = 5 * Parallel.CHUNK + 7;
        for (int round = 0; round < 3; round++) {
            var visits = new AtomicIntegerArray(count);
            Parallel.forChunks(count, (from, to) -> {
                assertEquals(0, from % Parallel.CHUNK, "a chunk starts at a multiple of CHUNK");
                for (int i = from; i < to; i++) visits.incrementAndGet(i);
            });
            for (int i = 0; i < count; i++) assertEquals(1, visits.get(i), "index " + i + ", round " + round);
            var ranged = new AtomicIntegerArray(9);
            Parallel.forRange(9, ranged::incrementAndGet);
            for (int i = 0; i < 9; i++) assertEquals(1, ranged.get(i), "forRange index " + i);
        }
    }

    /**
     * The team reuses one region: calls back to back, of two to five indices and bodies of uneven length (so
     * a worker may wake after its call is over), each run every index once, with their own body.
     */
    @Test
    void backToBackCallsRunEachIndexOnceWithTheirOwnBody() {
        int calls = 20_000, most = 5;
        var visits = new AtomicIntegerArray(calls * most);
        for (int c = 0; c < calls; c++) {
            int call = c, count = 2 + c % (most - 1);
            Parallel.forRange(count, i -> {
                for (int spin = (call * 7 + i * 13) % 200; spin > 0; spin--) {
                    Thread.onSpinWait();
                }
                visits.incrementAndGet(call * most + i);
            });
        }
        for (int c = 0; c < calls; c++) {
            for (int i = 0; i < most; i++) {
                assertEquals(i < 2 + c % (most - 1) ? 1 : 0, visits.get(c * most + i), "call " + c + ", index " + i);
            }
        }
    }

    /**
     * Each thread starts on its own contiguous share of the indices, the caller on the first, and the same thread takes
     * the same share call after call (bodies of a few milliseconds, so a worker that wakes late still finds its share).
     */
    @Test
    void eachThreadStartsOnItsOwnShareCallAfterCall() {
        int threads = Parallel.threads();
        Assumptions.assumeTrue(threads >= 2, "one core: no shares to tell apart");
        int count = 4 * threads;
        Thread[] firstOfShare = new Thread[threads];
        for (int call = 0; call < 3; call++) {
            Thread[] ranOn = new Thread[count];
            Parallel.forRange(count, i -> {
                ranOn[i] = Thread.currentThread();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertSame(Thread.currentThread(), ranOn[0], "the caller starts on share 0");
            var starters = new java.util.HashSet<Thread>();
            for (int share = 0; share < threads; share++) {
                Thread first = ranOn[share * count / threads];
                assertTrue(starters.add(first), "share " + share + " started by a thread that had its own share");
                if (call > 0) assertSame(firstOfShare[share], first, "share " + share + " on the same thread as before");
                firstOfShare[share] = first;
            }
        }
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
