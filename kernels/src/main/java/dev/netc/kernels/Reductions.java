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
    /** Rows shorter than this are summed in scalars (the same bits): see {@link #rows}. */
    private static final int SCALAR_ROWS_BELOW = 64;
    /** Kept columns per task when inner == 1: whole cache lines, so tasks never share one. */
    private static final int COLUMN_BLOCK = 256;

    /** Per thread: one vector's lanes on their way out of a register (no allocation per call). */
    private static final Scratch LANES = new Scratch();
    private static final CallFrames<Call> CALLS = new CallFrames<>(Call::new);

    private Reductions() {}

    /** out[k] = scale * sum_{p, q} x[(p * kept + k) * inner + q] for k in [0, kept). */
    public static void sum(float[] x, int outer, int kept, int inner, float scale, float[] out) {
        boolean parallel = (long) outer * kept * inner >= PARALLEL_MIN;
        if (!parallel) {
            if (inner == 1) {
                columns(x, outer, kept, 0, kept, scale, out);
            } else {
                for (int k = 0; k < kept; k++) {
                    out[k] = scale * rows(x, outer, kept, inner, k);
                }
            }
            return;
        }
        Call call = CALLS.acquire();
        try {
            call.x = x;
            call.outer = outer;
            call.kept = kept;
            call.inner = inner;
            call.scale = scale;
            call.out = out;
            Parallel.forRange(inner == 1 ? Gemm.ceilDiv(kept, COLUMN_BLOCK) : kept, call);
        } finally {
            CALLS.release(call);
        }
    }

    /** One parallel sum's arguments: task t a block of COLUMN_BLOCK kept columns (inner == 1), else kept index t. */
    private static final class Call implements java.util.function.IntConsumer, CallFrames.Frame {
        float[] x, out;
        int outer, kept, inner;
        float scale;

        @Override
        public void accept(int t) {
            if (inner == 1) {
                columns(x, outer, kept, t * COLUMN_BLOCK, Math.min(kept, (t + 1) * COLUMN_BLOCK), scale, out);
            } else {
                out[t] = scale * rows(x, outer, kept, inner, t);
            }
        }

        @Override
        public void clear() {
            x = out = null;
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

    /**
     * inner > 1: each (p, k) row of length inner is contiguous; vectors run along it. Rows shorter than
     * {@link #SCALAR_ROWS_BELOW} (a loss's mean over the batch) take the same sums lane by lane in scalars: such a
     * call runs once a step, too rarely for C2 to compile it within thousands of steps, and until then each
     * vector is a heap object.
     */
    private static float rows(float[] x, int outer, int kept, int inner, int k) {
        float[] lanes = LANES.atLeast(VL);
        float tail = 0f;
        int vectorEnd = S.loopBound(inner);
        if (inner < SCALAR_ROWS_BELOW) {
            java.util.Arrays.fill(lanes, 0, VL, 0f);
            for (int p = 0; p < outer; p++) {
                int base = (p * kept + k) * inner;
                int q = 0;
                for (; q < vectorEnd; q++) {
                    lanes[q % VL] += x[base + q];
                }
                for (; q < inner; q++) {
                    tail += x[base + q];
                }
            }
        } else {
            FloatVector acc = FloatVector.zero(S);
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
            acc.intoArray(lanes, 0);
        }
        // lanes added first to last through memory (not reduceLanes(ADD): its order differs between the
        // interpreter and the JIT, which would make same-seed runs differ)
        float sum = 0f;
        for (int l = 0; l < VL; l++) {
            sum += lanes[l];
        }
        return sum + tail;
    }
}
