package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The counter-based random numbers behind dropout masks: element i of the stream of one dropout node
 * in one training pass depends only on (stream, i), so kernels draw elements in any order, in
 * parallel, or again in the backward pass. The CUDA prelude's {@code netc_dropout_uniform} is the
 * same function bit for bit. {@link #keepFactors} is the vector form of {@link #keepFactor}.
 */
public final class DropoutHash {
    private static final long STREAM_KEY = 0x6a09e667f3bcc909L;
    private static final long PASS_STEP = 0x9e3779b97f4a7c15L;
    private static final long ELEMENT_STEP = 0xbf58476d1ce4e5b9L;
    private static final VectorSpecies<Float> S = Vectors.SPECIES;
    /** Longs of the same total width as a float vector hold half its lanes. */
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /**
     * Whether the lanes are hashed as long vectors. Not with two longs (128-bit vectors): x86's C2 has no two-lane long
     * compare or mask-to-bits, so that form boxes every vector (kilobytes per call); the scalar hash is the same bits.
     */
    private static final boolean LONG_LANES_COMPARE = L.length() >= 4;

    private DropoutHash() {}

    /** The random stream of dropout node {@code node} in training pass {@code pass} of a run seeded {@code seed}. */
    public static long stream(long seed, long pass, int node) {
        return mix64(mix64(seed ^ STREAM_KEY) + pass * PASS_STEP + node);
    }

    /** A uniform double in [0, 1) for element i of a stream (53 random bits). */
    public static double uniform(long stream, int i) {
        return (bits(stream, i)) * 0x1.0p-53;
    }

    /** Inverted dropout's factor for element i: 0 when dropped (uniform below rate), else scale. */
    public static float keepFactor(long stream, int i, double rate, float scale) {
        return uniform(stream, i) < rate ? 0f : scale;
    }

    /**
     * {@link #keepFactor} for elements i .. i + LANES - 1. The comparison is done on the 53-bit integers:
     * u < rate exactly when bits < ceil(rate * 2^53), since both sides are exact.
     */
    public static FloatVector keepFactors(long stream, int i, double rate, float scale) {
        long threshold = (long) Math.ceil(rate * 0x1.0p53);
        long dropped = 0;
        if (!LONG_LANES_COMPARE) {
            for (int lane = 0; lane < S.length(); lane++) {
                dropped |= (bits(stream, i + lane) < threshold ? 1L : 0L) << lane;
            }
            return FloatVector.broadcast(S, scale).blend(0f, VectorMask.fromLong(S, dropped));
        }
        int ll = Math.min(L.length(), S.length());
        for (int part = 0; part < S.length(); part += ll) {
            LongVector index = LongVector.broadcast(L, i + part + 1L).addIndex(1);
            LongVector z = index.mul(ELEMENT_STEP).add(stream);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xbf58476d1ce4e5b9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94d049bb133111ebL);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 11);
            dropped |= z.compare(VectorOperators.LT, threshold).toLong() << part;
        }
        VectorMask<Float> drop = VectorMask.fromLong(S, dropped);
        return FloatVector.broadcast(S, scale).blend(0f, drop);
    }

    private static long bits(long stream, int i) {
        return mix64(stream + (i + 1L) * ELEMENT_STEP) >>> 11;
    }

    /** SplitMix64's finaliser: a bijection that scrambles all bits. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
