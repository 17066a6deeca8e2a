package dev.netc.codegen.core.loop;

/**
 * How the lanes of one vector (loop indices i .. i + {@link #MULTIPLE} - 1, i a multiple of it) map
 * to a load's elements. The builder derives it from the shapes; a vectorising printer uses it, others
 * ignore it.
 */
public sealed interface Lanes {
    /** Consecutive elements: one vector load. */
    record Contiguous() implements Lanes {}

    /** The same element for every lane: one scalar load, broadcast. */
    record Uniform() implements Lanes {}

    /**
     * The same element over runs of {@code length} consecutive loop indices, the runs not aligned to
     * vectors (a per-channel bias over 14x14 planes: runs of 196). Because a run is at least
     * {@link #MULTIPLE} long, one vector spans at most two runs: two broadcasts and a blend.
     */
    record Runs(long length) implements Lanes {
        public Runs {
            if (length < MULTIPLE) throw new IllegalArgumentException("a run of " + length + " is shorter than a vector");
        }
    }

    /** Anything else: the loop stays scalar. */
    record Gather() implements Lanes {}

    Lanes CONTIGUOUS = new Contiguous();
    Lanes UNIFORM = new Uniform();
    Lanes GATHER = new Gather();

    /** The widest vector any target uses (AVX-512: 16 floats); loops are split at multiples of it. */
    int MULTIPLE = 16;
}
