package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The vector shape generated elementwise loops use: the widest this CPU runs natively. */
public final class Vectors {
    /** {@link FloatVector#SPECIES_PREFERRED}: 8 floats with AVX2, 16 with AVX-512. */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector of {@link #SPECIES}. */
    public static final int LANES = SPECIES.length();
    /**
     * The widest species any x86 or ARM JVM prefers, in floats. A broadcast operand whose value is the
     * same over runs of this many loop indices is the same across every vector's lanes, whatever the CPU.
     */
    public static final int MAX_LANES = 16;
    /**
     * A byte per float lane (the kernels' argmax cells, widened to floats or narrowed from them a vector at a time): LANES
     * bytes, or null with 4-float vectors (128-bit: SSE, or NEON on ARM), where 32 bits is no vector shape and those
     * kernels go value by value or yield to another.
     */
    static final VectorSpecies<Byte> LANE_BYTES = LANES >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8)) : null;
    /**
     * Whether a masked store of {@link #LANE_BYTES} runs as one instruction. AVX2 has no masked byte store, and C2 falls
     * back to the Vector API's Java code, which boxes (128 KB per MNIST CNN training step, seen with -XX:UseAVX=2); so
     * below 16 floats (AVX-512, or 512-bit SVE) a partial row of argmax bytes is written byte by byte.
     */
    static final boolean MASKED_BYTE_STORES = LANES >= 16;

    private Vectors() {}

    /**
     * The lanes of a value that is constant over runs of loop indices not aligned to vectors: lanes
     * before {@code left} read {@code a[here]}, the rest {@code a[next]} (the next run's element; a
     * run is at least a vector long, so no vector spans three runs).
     */
    public static FloatVector runs(float[] a, int here, int next, int left) {
        FloatVector current = FloatVector.broadcast(SPECIES, a[here]);
        if (left >= LANES) {
            return current;
        }
        return FloatVector.broadcast(SPECIES, a[next]).blend(current, SPECIES.indexInRange(0, left));
    }
}
