package dev.netc.codegen.java.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** An elementwise activation that kernels can apply to an output tile before it is written. */
public enum Activation {
    NONE, RELU, SIGMOID, TANH;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** The activation of one value. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> Math.max(x, 0f);
            case SIGMOID -> 1f / (1f + (float) Math.exp(-x));
            case TANH -> (float) Math.tanh(x);
        };
    }

    /** The activation of every lane. */
    public FloatVector apply(FloatVector v) {
        return switch (this) {
            case NONE -> v;
            case RELU -> v.max(0f);
            case SIGMOID -> v.broadcast(1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case TANH -> v.lanewise(VectorOperators.TANH);
        };
    }

    /** Applies the activation in place to data[offset, offset + length). */
    public void applyInPlace(float[] data, int offset, int length) {
        if (this == NONE) {
            return;
        }
        int i = 0;
        for (int upper = S.loopBound(length); i < upper; i += S.length()) {
            apply(FloatVector.fromArray(S, data, offset + i)).intoArray(data, offset + i);
        }
        for (; i < length; i++) {
            data[offset + i] = apply(data[offset + i]);
        }
    }
}
