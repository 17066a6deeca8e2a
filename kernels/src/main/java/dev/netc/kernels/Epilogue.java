package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * What a GEMM does to a finished output tile before writing it: add a bias (per output row, as for a
 * convolution's filters, or per output column, as for a dense layer), then apply an activation.
 * Applied in place to lanes already stored (in L1), so no vector crosses a method boundary (see
 * {@link Activation}).
 *
 * @param rowBias bias indexed by output row, or null
 * @param columnBias bias indexed by output column, or null
 * @param activation applied after the bias
 */
record Epilogue(float[] rowBias, float[] columnBias, Activation activation) {
    static final Epilogue NONE = new Epilogue(null, null, Activation.NONE);
    /** The most recently made epilogues, newest last (see {@link #of}). */
    private static volatile Epilogue[] recent = {NONE};

    /**
     * The epilogue of these biases (compared by identity, as a record compares arrays) and activation: the same
     * object as a recent call's when there was one, so a kernel called with a layer's bias every step does not
     * make one per call. The recent few keep their bias arrays reachable (a few small arrays).
     */
    static Epilogue of(float[] rowBias, float[] columnBias, Activation activation) {
        Epilogue[] known = recent;
        for (int i = known.length - 1; i >= 0; i--) {
            Epilogue e = known[i];
            if (e.rowBias == rowBias && e.columnBias == columnBias && e.activation == activation) {
                return e;
            }
        }
        Epilogue made = new Epilogue(rowBias, columnBias, activation);
        recent = ConvGeometry.withNewest(known, made);
        return made;
    }

    boolean isIdentity() {
        return rowBias == null && columnBias == null && activation == Activation.NONE;
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
            if (activation.appliesInRegister()) {
                return;
            }
        }
        activation.applyVector(c, index);
    }

    /** Like {@link #applyVector(float[], int, int, int)} for the live lanes only. */
    void applyVector(float[] c, int index, int row, int column, VectorMask<Float> live) {
        if (rowBias != null || columnBias != null) {
            FloatVector v = FloatVector.fromArray(GemmMicroKernel.S, c, index, live).add(rowBias == null ? -0f : rowBias[row]);
            v = v.add(FloatVector.fromArray(GemmMicroKernel.S, columnBias == null ? Activation.NEGATIVE_ZEROS : columnBias,
                    columnBias == null ? 0 : column, live));
            // a cheap activation in the same pass: a second load and store of the tile is measurable
            v.max(activation.inRegisterFloor()).intoArray(c, index, live);
            if (activation.appliesInRegister()) {
                return;
            }
        }
        activation.applyVector(c, index, live);
    }

    float apply(float x, int row, int column) {
        if (rowBias != null) {
            x += rowBias[row];
        }
        if (columnBias != null) {
            x += columnBias[column];
        }
        return activation.apply(x);
    }
}
