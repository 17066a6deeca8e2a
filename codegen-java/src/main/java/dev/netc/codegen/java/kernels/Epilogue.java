package dev.netc.codegen.java.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * What a GEMM does to a finished output tile before writing it: add a bias (per output row, as for a
 * convolution's filters, or per output column, as for a dense layer), then apply an activation.
 *
 * @param rowBias bias indexed by output row, or null
 * @param columnBias bias indexed by output column, or null
 * @param activation applied after the bias
 */
record Epilogue(float[] rowBias, float[] columnBias, Activation activation) {
    static final Epilogue NONE = new Epilogue(null, null, Activation.NONE);

    boolean isIdentity() {
        return rowBias == null && columnBias == null && activation == Activation.NONE;
    }

    /** Applies the epilogue to lanes of row {@code row} starting at column {@code column}. */
    FloatVector apply(FloatVector v, int row, int column) {
        if (rowBias != null) {
            v = v.add(rowBias[row]);
        }
        if (columnBias != null) {
            v = v.add(FloatVector.fromArray(v.species(), columnBias, column));
        }
        return activation.apply(v);
    }

    /** Like {@link #apply(FloatVector, int, int)} for a partial vector whose live lanes are {@code live}. */
    FloatVector apply(FloatVector v, int row, int column, VectorMask<Float> live) {
        if (rowBias != null) {
            v = v.add(rowBias[row]);
        }
        if (columnBias != null) {
            v = v.add(FloatVector.fromArray(v.species(), columnBias, column, live));
        }
        return activation.apply(v);
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
