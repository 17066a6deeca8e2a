package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The per-thread call frames the kernels hand their parallel bodies instead of capturing lambdas. */
class CallFramesTest {
    private static final class Holder implements CallFrames.Frame {
        float[] held;

        @Override
        public void clear() {
            held = null;
        }
    }

    @Test
    void aFrameIsReusedAfterReleaseAndClearedByIt() {
        var frames = new CallFrames<>(Holder::new);
        Holder first = frames.acquire();
        first.held = new float[3];
        frames.release(first);
        assertNull(first.held, "release drops what the call referenced");
        assertSame(first, frames.acquire(), "the next call on this thread gets the same frame");
    }

    @Test
    void nestedCallsOnOneThreadGetTheirOwnFrames() {
        var frames = new CallFrames<>(Holder::new);
        Holder outer = frames.acquire();
        Holder inner = frames.acquire();
        Holder innermost = frames.acquire(); // past the stack's first size
        assertNotSame(outer, inner);
        assertNotSame(inner, innermost);
        frames.release(innermost);
        frames.release(inner);
        assertSame(inner, frames.acquire(), "the same depth, the same frame");
    }

    @Test
    void otherThreadsGetOtherFrames() throws InterruptedException {
        var frames = new CallFrames<>(Holder::new);
        Holder mine = frames.acquire();
        var theirs = new AtomicReference<Holder>();
        Thread other = new Thread(() -> theirs.set(frames.acquire()));
        other.start();
        other.join();
        assertNotSame(mine, theirs.get());
    }

    /**
     * Two callers at once (one gets the team, the other runs its region alone), each product's frame its own:
     * every result is the single-threaded one, on the blocked, few-rows and broadcast-rows paths.
     */
    @Test
    void concurrentCallersKeepTheirArguments() throws InterruptedException {
        int[][] shapes = {{50, 1024, 313}, {7, 300, 200}, {3, 520, 77}, {48, 200, 64}};
        var failure = new AtomicReference<Throwable>();
        Thread[] callers = new Thread[2];
        for (int t = 0; t < callers.length; t++) {
            long seed = t;
            callers[t] = new Thread(() -> {
                try {
                    var random = new SplittableRandom(seed);
                    for (int round = 0; round < 20; round++) {
                        int[] s = shapes[(round + (int) seed) % shapes.length];
                        int m = s[0], n = s[1], k = s[2];
                        boolean transB = round % 2 == 1;
                        float[] a = Reference.random(random, m * k), b = Reference.random(random, k * n);
                        float[] c = new float[m * n], expected = new float[m * n];
                        Gemm.sgemm(false, transB, m, n, k, a, 0, b, 0, 0f, c, 0);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double sum = 0;
                                for (int p = 0; p < k; p++) sum += (double) a[i * k + p] * (transB ? b[j * k + p] : b[p * n + j]);
                                expected[i * n + j] = (float) sum;
                            }
                        }
                        for (int i = 0; i < m * n; i++) {
                            assertEquals(expected[i], c[i], 1e-3f * (1 + Math.abs(expected[i])), "caller " + seed + ", round " + round + ", element " + i);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            callers[t].start();
        }
        for (Thread caller : callers) caller.join();
        if (failure.get() != null) throw new AssertionError(failure.get());
    }
}
