package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums over the axes around one contiguous block of kept axes: x viewed as [outer, kept, inner] gives
 * out[k] = sum over p, q of x[p][k][q]. This covers a bias gradient (conv: [N, C, H*W] -> [C]; dense:
 * [N, units] -> [units]) and most other sum_to/sum/mean reductions.
 *
 * <p>Every output is summed by one thread in a fixed order (lanes added first to last), so results
 * do not depend on the thread count or on whether the JIT has compiled the code yet.
 */
public final class Reductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Below this many elements the work is not worth waking the other cores. */
    private static final int PARALLEL_MIN = 1 << 15;
    /** Kept columns per task when inner == 1: whole cache lines, so tasks never share one. */
    private static final int COLUMN_BLOCK = 256;

    /** Per thread: one vector's lanes on their way out of a register (no allocation per call). */
    private static final Scratch LANES = new Scratch();

    private Reductions() {}

    /** out[k] = scale * sum_{p, q} x[(p * kept + k) * inner + q] for k in [0, kept). */
    public static void sum(float[] x, int outer, int kept, int inner, float scale, float[] out) {
        boolean parallel = (long) outer * kept * inner >= PARALLEL_MIN;
        if (inner == 1) {
            int blocks = Gemm.ceilDiv(kept, COLUMN_BLOCK);
            if (parallel) {
                Parallel.forRange(blocks, b -> columns(x, outer, kept, b * COLUMN_BLOCK,
                        Math.min(kept, (b + 1) * COLUMN_BLOCK), scale, out));
            } else {
                columns(x, outer, kept, 0, kept, scale, out);
            }
        } else if (parallel) {
            Parallel.forRange(kept, k -> out[k] = scale * rows(x, outer, kept, inner, k));
        } else {
            for (int k = 0; k < kept; k++) {
                out[k] = scale * rows(x, outer, kept, inner, k);
            }
        }
    }

    /** inner == 1: the kept axis is contiguous, so vectors run along it and rows are added in order. */
    private static void columns(float[] x, int outer, int kept, int from, int to, float scale, float[] out) {
        int k = from;
        for (int upper = from + S.loopBound(to - from); k < upper; k += VL) {
            FloatVector acc = FloatVector.zero(S);
            for (int p = 0; p < outer; p++) {
                acc = acc.add(FloatVector.fromArray(S, x, p * kept + k));
            }
            acc.mul(scale).intoArray(out, k);
        }
        for (; k < to; k++) {
            float acc = 0f;
            for (int p = 0; p < outer; p++) {
                acc += x[p * kept + k];
            }
            out[k] = scale * acc;
        }
    }

    /** inner > 1: each (p, k) row of length inner is contiguous; vectors run along it. */
    private static float rows(float[] x, int outer, int kept, int inner, int k) {
        FloatVector acc = FloatVector.zero(S);
        float tail = 0f;
        int vectorEnd = S.loopBound(inner);
        for (int p = 0; p < outer; p++) {
            int base = (p * kept + k) * inner;
            int q = 0;
            for (; q < vectorEnd; q += VL) {
                acc = acc.add(FloatVector.fromArray(S, x, base + q));
            }
            for (; q < inner; q++) {
                tail += x[base + q];
            }
        }
        // lanes added first to last through memory (not reduceLanes(ADD): its order differs between the
        // interpreter and the JIT, which would make same-seed runs differ)
        float[] lanes = LANES.atLeast(VL);
        acc.intoArray(lanes, 0);
        float sum = 0f;
        for (int l = 0; l < VL; l++) {
            sum += lanes[l];
        }
        return sum + tail;
    }
}
