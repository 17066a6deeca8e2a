package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** {@link VectorMath}: its error bounds against {@link Math}, its special values, and the same bits in every lane, tail and JIT tier. */
class VectorMathTest {

    /** One function in its scalar and vector forms, with the double reference it approximates. */
    enum Fn {
        EXP(VectorMath::exp, VectorMath::exp, Math::exp, 1.0),
        LOG(VectorMath::log, VectorMath::log, Math::log, 1.0),
        TANH(VectorMath::tanh, VectorMath::tanh, Math::tanh, 2.0);

        final FloatUnary scalar;
        final UnaryOperator<FloatVector> vector;
        final DoubleUnaryOperator reference;
        /** The documented bound, in ulps of the exact result. */
        final double maxUlps;

        Fn(FloatUnary scalar, UnaryOperator<FloatVector> vector, DoubleUnaryOperator reference, double maxUlps) {
            this.scalar = scalar;
            this.vector = vector;
            this.reference = reference;
            this.maxUlps = maxUlps;
        }
    }

    interface FloatUnary { float apply(float x); }

    /** |got - exact| in ulps of the exact value rounded to float (the subnormal spacing below MIN_NORMAL). */
    static double ulps(float got, double exact) {
        if (Double.isNaN(exact)) return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        float rounded = (float) exact;
        if (Float.isInfinite(rounded) || Float.isInfinite(got)) return got == rounded ? 0 : Double.POSITIVE_INFINITY;
        double ulp = Math.abs(rounded) < Float.MIN_NORMAL ? Float.MIN_VALUE : Math.ulp(rounded);
        return Math.abs(got - exact) / ulp;
    }

    /** Every {@code step}-th float bit pattern, both signs, NaNs and infinities included. */
    static float[] sweep(int step) {
        int n = (int) ((1L << 32) / step) + 1;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = Float.intBitsToFloat((int) ((long) i * step));
        return xs;
    }

    @Test
    void errorIsWithinTheDocumentedBoundOverASweepOfAllFloats() {
        float[] xs = sweep(4099);
        Random random = new Random(7);
        float[] dense = new float[200_000];
        for (int i = 0; i < dense.length; i++) dense[i] = (random.nextFloat() - 0.5f) * (i % 2 == 0 ? 4f : 200f);
        for (Fn f : Fn.values()) {
            double worst = 0;
            float worstAt = 0;
            for (float[] set : List.of(xs, dense)) {
                for (float x : set) {
                    double e = ulps(f.scalar.apply(x), f.reference.applyAsDouble(x));
                    if (e > worst) {
                        worst = e;
                        worstAt = x;
                    }
                }
            }
            assertTrue(worst <= f.maxUlps, f + ": " + worst + " ulp at x = " + worstAt);
        }
    }

    @Test
    void specialValues() {
        float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertEquals(inf, VectorMath.exp(inf));
        assertEquals(inf, VectorMath.exp(89f));
        assertEquals(inf, VectorMath.exp(1e30f));
        assertTrue(Float.isFinite(VectorMath.exp(88.72f)) && VectorMath.exp(88.72f) > 3.3e38f);
        assertEquals(0f, VectorMath.exp(-inf));
        assertEquals(0f, VectorMath.exp(-104f));
        assertEquals(0f, VectorMath.exp(-1e30f));
        assertEquals(Float.MIN_VALUE, VectorMath.exp(-103.2f), "rounds to the smallest subnormal");
        assertEquals((float) Math.exp(88.5), VectorMath.exp(88.5f), Math.ulp((float) Math.exp(88.5)), "e^88.5 < Float.MAX_VALUE");
        assertTrue(Float.isNaN(VectorMath.exp(nan)));

        assertEquals(0f, VectorMath.log(1f));
        assertEquals(-inf, VectorMath.log(0f));
        assertEquals(-inf, VectorMath.log(-0f));
        assertTrue(Float.isNaN(VectorMath.log(-1f)));
        assertTrue(Float.isNaN(VectorMath.log(-Float.MIN_VALUE)));
        assertTrue(Float.isNaN(VectorMath.log(-inf)));
        assertTrue(Float.isNaN(VectorMath.log(nan)));
        assertEquals(inf, VectorMath.log(inf));
        assertEquals((float) Math.log(Float.MIN_VALUE), VectorMath.log(Float.MIN_VALUE), 1e-5f);
        assertEquals((float) Math.log(Float.MAX_VALUE), VectorMath.log(Float.MAX_VALUE), 1e-5f);

        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(VectorMath.tanh(-0f)));
        assertEquals(0f, VectorMath.tanh(0f));
        assertEquals(1f, VectorMath.tanh(10f));
        assertEquals(-1f, VectorMath.tanh(-10f));
        assertEquals(1f, VectorMath.tanh(inf));
        assertEquals(-1f, VectorMath.tanh(-inf));
        assertTrue(Float.isNaN(VectorMath.tanh(nan)));
        assertEquals(1e-20f, VectorMath.tanh(1e-20f), "tanh x = x for tiny x");
        for (float x = -20; x <= 20; x += 0.01f) assertEquals(-VectorMath.tanh(x), VectorMath.tanh(-x), "odd at " + x);
    }

    /** Inputs for the bitwise comparisons: a sweep of all floats, the ranges activations see, and the specials. */
    static float[] mixedInputs(int step) {
        float[] sweep = sweep(step);
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE,
                Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 88.72f, 88.73f, 89f, 90f, -87.3f, -87.7f, -103.9f, -104.1f, 0.625f, -0.625f,
                Math.nextDown(0.625f), Math.nextUp(-0.625f), 1f, -1f};
        Random random = new Random(3);
        float[] out = new float[sweep.length + specials.length + 4096];
        System.arraycopy(sweep, 0, out, 0, sweep.length);
        System.arraycopy(specials, 0, out, sweep.length, specials.length);
        for (int i = sweep.length + specials.length; i < out.length; i++) out[i] = (float) random.nextGaussian() * 8f;
        return out;
    }

    @Test
    void everyLaneGivesTheScalarResultBitForBit() {
        float[] xs = mixedInputs(262139);
        for (VectorSpecies<Float> species : List.of(FloatVector.SPECIES_PREFERRED, FloatVector.SPECIES_128, FloatVector.SPECIES_256)) {
            for (Fn f : Fn.values()) {
                float[] out = new float[xs.length];
                int i = 0;
                for (int upper = species.loopBound(xs.length); i < upper; i += species.length())
                    f.vector.apply(FloatVector.fromArray(species, xs, i)).intoArray(out, i);
                for (; i < xs.length; i++) out[i] = f.scalar.apply(xs[i]);
                for (int j = 0; j < xs.length; j++) {
                    float expected = f.scalar.apply(xs[j]);
                    int x = j;
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[j]),
                            () -> f + " at x = " + xs[x] + " in a " + species + " lane: " + out[x] + ", scalar " + expected);
                }
            }
        }
    }

    /**
     * A checksum of every function's results, scalar and vector, repeated {@code rounds} times so
     * that with default flags later rounds run C2 code; prints one line per distinct checksum.
     */
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        float[] xs = mixedInputs(262139);
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        float[] out = new float[xs.length];
        for (int round = 0; round < rounds; round++) {
            CRC32 crc = new CRC32();
            for (Fn f : Fn.values()) {
                int i = 0;
                for (int upper = FloatVector.SPECIES_PREFERRED.loopBound(xs.length); i < upper; i += FloatVector.SPECIES_PREFERRED.length())
                    f.vector.apply(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, xs, i)).intoArray(out, i);
                for (; i < xs.length; i++) out[i] = f.scalar.apply(xs[i]);
                for (int j = 0; j < xs.length; j++) {
                    crc.update(Float.floatToIntBits(out[j]));
                    crc.update(Float.floatToIntBits(f.scalar.apply(xs[j])));
                }
            }
            seen.add(Long.toHexString(crc.getValue()));
        }
        seen.forEach(System.out::println);
    }

    /** The interpreter, C1 only and the default tiers (which reach C2 within the rounds) print one and the same checksum. */
    @Test
    void everyJitTierGivesTheSameBits() throws IOException, InterruptedException {
        List<String> results = new ArrayList<>();
        for (List<String> flags : List.of(List.of("-Xint"), List.of("-XX:TieredStopAtLevel=1"), List.<String>of())) {
            String rounds = flags.contains("-Xint") ? "1" : flags.isEmpty() ? "300" : "10";
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules=jdk.incubator.vector"));
            command.addAll(flags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorMathTest.class.getName(), rounds));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + command);
            assertEquals(0, p.exitValue(), command + ": " + out);
            assertEquals(1, out.lines().count(), "one checksum over all rounds with " + flags + ": " + out);
            results.add(out);
        }
        assertEquals(1, results.stream().distinct().count(), "-Xint, C1 only, default: " + results);
    }
}
