package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector forms generated loops call, lane by lane against their scalar definitions. */
class VectorFormsTest {
    @Test
    void dropoutKeepFactorsMatchTheScalarHashBitForBit() {
        SplittableRandom random = new SplittableRandom(7);
        float[] lanes = new float[Vectors.LANES];
        int dropped = 0, total = 0;
        for (double rate : new double[] {0.1, 0.5, 1.0 / 3, 0.9, 0.0}) {
            float scale = (float) (1 / (1 - Math.min(rate, 0.99)));
            for (int trial = 0; trial < 200; trial++) {
                long stream = DropoutHash.stream(random.nextLong(), random.nextInt(1000), random.nextInt(100));
                int i = trial < 100 ? trial * Vectors.LANES : random.nextInt(Integer.MAX_VALUE - Vectors.LANES);
                DropoutHash.keepFactors(stream, i, rate, scale).intoArray(lanes, 0);
                for (int l = 0; l < Vectors.LANES; l++) {
                    float expected = DropoutHash.keepFactor(stream, i + l, rate, scale);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(lanes[l]),
                            "rate " + rate + ", element " + (i + l));
                    if (rate == 0.5) {
                        total++;
                        if (expected == 0f) dropped++;
                    }
                }
            }
        }
        // the stream is uniform enough that half the elements drop at rate 0.5
        assertTrue(Math.abs(dropped / (double) total - 0.5) < 0.02, dropped + " of " + total + " dropped");
    }

    @Test
    void theSpeciesIsTheOneThisRunAsksFor() {
        // the avx2-shape test run caps vectors at 256 bits: every kernel then runs with 8-float vectors
        String cap = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:MaxVectorSize=")).findFirst().orElse(null);
        if (cap != null) assertEquals(Integer.parseInt(cap.substring(cap.indexOf('=') + 1)) / 4, Vectors.LANES);
        // and generates AVX2 code there (x86): 256-bit vectors whatever the CPU has beyond
        boolean avx2 = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:UseAVX=2");
        if (avx2 && System.getProperty("os.arch").equals("amd64")) assertEquals(8, Vectors.LANES);
        assertEquals(Vectors.LANES, GemmMicroKernel.VL);
    }

    @Test
    void dropoutUniformIsTheFixedSplitMixHash() {
        // pinned: the CUDA prelude's netc_dropout_uniform must give these same numbers
        long stream = DropoutHash.stream(42, 1, 21);
        assertEquals(DropoutHash.mix64(DropoutHash.mix64(42 ^ 0x6a09e667f3bcc909L) + 0x9e3779b97f4a7c15L + 21), stream);
        assertEquals((DropoutHash.mix64(stream + 0xbf58476d1ce4e5b9L) >>> 11) * 0x1.0p-53, DropoutHash.uniform(stream, 0));
    }

    @Test
    void runsBlendTheTwoRunsAVectorSpans() {
        float[] perRun = {1f, 2f, 3f, 4f, 5f};
        int run = 19; // not a multiple of any vector width
        float[] lanes = new float[Vectors.LANES];
        for (int i = 0; i + Vectors.LANES <= run * perRun.length; i += Vectors.LANES) {
            int left = run - i % run;
            int next = left < Vectors.LANES ? i + left : i;
            FloatVector v = Vectors.runs(perRun, i / run, next / run, left);
            v.intoArray(lanes, 0);
            for (int l = 0; l < Vectors.LANES; l++) assertEquals(perRun[(i + l) / run], lanes[l], "index " + (i + l));
        }
    }
}
