package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-thread rates that tell unequal cores apart (the peaks themselves are measurements, not checked here). */
class MachinePeaksTest {
    @Test
    void spreadIsTheFastestThreadOverTheSlowest() {
        assertEquals(1.375, new MachinePeaks(400, 60, List.of(220.0, 160.0), 0.5).threadSpread(), 1e-12);
        assertEquals(1.0, new MachinePeaks(200, 30, List.of(200.0), -1).threadSpread());
    }

    @Test
    void everyThreadTimesItsOwnMicroKernel() {
        double[] rates = MachinePeaks.gemmGflopsPerThread(50);
        assertEquals(Parallel.threads(), rates.length);
        for (double rate : rates) {
            assertTrue(rate > 0 && Double.isFinite(rate), "rate " + rate);
        }
    }
}
