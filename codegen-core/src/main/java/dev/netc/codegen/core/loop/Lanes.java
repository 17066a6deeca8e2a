package dev.netc.codegen.core.loop;

/**
 * How the lanes of one vector (loop indices i .. i + {@link #MULTIPLE} - 1, i a multiple of it) map
 * to a load's elements. The builder derives it from the shapes; a vectorising printer uses it, others
 * ignore it.
 */
public enum Lanes {
    /** Consecutive elements: one vector load. */ CONTIGUOUS,
    /** The same element for every lane: one scalar load, broadcast. */ UNIFORM,
    /** Anything else: the loop stays scalar. */ GATHER;

    /** The widest vector any target uses (AVX-512: 16 floats); loops are split at multiples of it. */
    public static final int MULTIPLE = 16;
}
