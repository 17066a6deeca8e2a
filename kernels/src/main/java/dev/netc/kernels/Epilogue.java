package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * What a GEMM does to a finished output tile before writing it: add a bias (per output row, as for a
 * convolution's filters, or per output column, as for a dense layer), then apply an activation, then (a layer's
 * backward pass) multiply by a ReLU's gradient mask, step(gate).
 * Applied in place to lanes already stored (in L1), so no vector crosses a method boundary (see
 * {@link Activation}).
 *
 * @param rowBias bias indexed by output row, or null
 * @param columnBias bias indexed by output column, or null
 * @param activation applied after the bias
 * @param gate laid out as the output (element c[index] with gate[index]): each output is multiplied by
 *             (gate > 0 ? 1 : 0), as the generated elementwise code computes step(gate) * value; or null
 */
record Epilogue(float[] rowBias, float[] columnBias, Activation activation, float[] gate) {
    static final Epilogue NONE = new Epilogue(null, null, Activation.NONE, null);
    private static final FloatVector ZERO = FloatVector.zero(GemmMicroKernel.S);
    private static final FloatVector ONE = FloatVector.broadcast(GemmMicroKernel.S, 1f);
    /** The most recently made epilogues, newest last (see {@link #of}). */
    private static volatile Epilogue[] recent = {NONE};

    /**
     * The epilogue of these biases (compared by identity, as a record compares arrays) and activation: the same
     * object as a recent call's when there was one, so a kernel called with a layer's bias every step does not
     * make one per call. The recent few keep their bias arrays reachable (a few small arrays).
     */
    static Epilogue of(float[] rowBias, float[] columnBias, Activation activation) {
        return of(rowBias, columnBias, activation, null);
    }

    /** {@link #of(float[], float[], Activation)} with a gate (see the class comment), compared by identity too. */
    static Epilogue of(float[] rowBias, float[] columnBias, Activation activation, float[] gate) {
        Epilogue[] known = recent;
        for (int i = known.length - 1; i >= 0; i--) {
            Epilogue e = known[i];
            if (e.rowBias == rowBias && e.columnBias == columnBias && e.activation == activation && e.gate == gate) {
                return e;
            }
        }
        Epilogue made = new Epilogue(rowBias, columnBias, activation, gate);
        recent = ConvGeometry.withNewest(known, made);
        return made;
    }

    boolean isIdentity() {
        return rowBias == null && columnBias == null && activation == Activation.NONE && gate == null;
    }

    /** Applies the epilogue in place to the full vector at c[index]: row {@code row}, columns from {@code column}. */
    void applyVector(float[] c, int index, int row, int column) {
        if (rowBias != null || columnBias != null) {
            // straight-line vector code, an absent bias adding -0 (see Activation#inRegisterFloor for why)
            FloatVector v = FloatVector.fromArray(GemmMicroKernel.S, c, index).add(rowBias == null ? -0f : rowBias[row]);
            v = v.add(FloatVector.fromArray(GemmMicroKernel.S, columnBias == null ? Activation.NEGATIVE_ZEROS : columnBias,
                    columnBias == null ? 0 : column));
            // a cheap activation in the same pass: a second load and store of the tile is measurable
            v.max(activation.inRegisterFloor()).intoArray(c, index);
        }
        if (!(activation.appliesInRegister() && (rowBias != null || columnBias != null))) {
            activation.applyVector(c, index);
        }
        if (gate != null) {
            masked(FloatVector.fromArray(GemmMicroKernel.S, c, index), FloatVector.fromArray(GemmMicroKernel.S, gate, index))
                    .intoArray(c, index);
        }
    }

    /** Like {@link #applyVector(float[], int, int, int)} for the live lanes only. */
    void applyVector(float[] c, int index, int row, int column, VectorMask<Float> live) {
        if (rowBias != null || columnBias != null) {
            FloatVector v = FloatVector.fromArray(GemmMicroKernel.S, c, index, live).add(rowBias == null ? -0f : rowBias[row]);
            v = v.add(FloatVector.fromArray(GemmMicroKernel.S, columnBias == null ? Activation.NEGATIVE_ZEROS : columnBias,
                    columnBias == null ? 0 : column, live));
            // a cheap activation in the same pass: a second load and store of the tile is measurable
            v.max(activation.inRegisterFloor()).intoArray(c, index, live);
        }
        if (!(activation.appliesInRegister() && (rowBias != null || columnBias != null))) {
            activation.applyVector(c, index, live);
        }
        if (gate != null) {
            masked(FloatVector.fromArray(GemmMicroKernel.S, c, index, live), FloatVector.fromArray(GemmMicroKernel.S, gate, index, live))
                    .intoArray(c, index, live);
        }
    }

    /** This epilogue without its gate: null when nothing else is left (for kernels that apply the gate by {@link #gateColumns}). */
    Epilogue withoutGate() {
        Epilogue rest = gate == null ? this : of(rowBias, columnBias, activation, null);
        return rest.isIdentity() ? null : rest;
    }

    /**
     * The gate over columns [from, to) of rows [0, rows) of a row-major c (n columns from cOff), vector by vector: for
     * kernels that store their outputs one by one (transposed), where a data-dependent choice per element would cost
     * a mispredicted branch every other element. The same bits as {@link #apply}'s gate.
     */
    void gateColumns(float[] c, int cOff, int n, int rows, int from, int to) {
        int vl = GemmMicroKernel.VL;
        for (int i = 0; i < rows; i++) {
            int at = cOff + i * n, j = from;
            for (; j + vl <= to; j += vl) {
                masked(FloatVector.fromArray(GemmMicroKernel.S, c, at + j), FloatVector.fromArray(GemmMicroKernel.S, gate, at + j))
                        .intoArray(c, at + j);
            }
            for (; j < to; j++) {
                c[at + j] = c[at + j] * (gate[at + j] > 0f ? 1f : 0f);
            }
        }
    }

    /** v * step(g), lane by lane: v times 1 where g > 0, else times 0 (so -0 and NaN come out as the generated code's). */
    private static FloatVector masked(FloatVector v, FloatVector g) {
        return v.mul(ZERO.blend(ONE, g.compare(VectorOperators.GT, 0f)));
    }

    /** The epilogue of output c[index] (row, column) = x. */
    float apply(float x, int index, int row, int column) {
        if (rowBias != null) {
            x += rowBias[row];
        }
        if (columnBias != null) {
            x += columnBias[column];
        }
        x = activation.apply(x);
        return gate == null ? x : x * (gate[index] > 0f ? 1f : 0f);
    }
}
