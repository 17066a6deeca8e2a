package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * An elementwise activation that kernels can apply to an output tile before it is written.
 *
 * <p>The vector forms work on arrays, not on FloatVector arguments: a vector passed to a method the
 * JIT declines to inline (a large compiled callee) is boxed on the heap, one allocation per call,
 * which once cost the GEMM store path several percent of a training step.
 *
 * <p>sigmoid and tanh use {@link VectorMath}, in the vector and the scalar forms alike, with the same
 * formulas as generated loops (sigmoid = 1 / (1 + exp(-x))): a fused library epilogue, a generated
 * loop, a vector lane and a scalar tail all give the same bits, in every JIT tier.
 */
public enum Activation {
    NONE, RELU, SIGMOID, TANH;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** The activation of one value. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> Math.max(x, 0f);
            case SIGMOID -> 1f / (1f + VectorMath.exp(-x));
            case TANH -> VectorMath.tanh(x);
        };
    }

    /**
     * True for the activations {@link #inRegister} applies (cheap ones: none, ReLU): a store applies them
     * to the vector it is about to write, instead of loading and storing the lanes again afterwards.
     */
    public boolean appliesInRegister() {
        return this == NONE || this == RELU;
    }

    /**
     * The floor a kernel's store takes the maximum with, {@code v.max(act.inRegisterFloor())}: 0 for ReLU
     * (the activation, in the register), -infinity for every other activation (v itself, NaN included;
     * those {@link #appliesInRegister} says no to are applied in place after the store).
     *
     * <p>Why a float and not a method taking the vector: C2 stops inlining once a compilation grows past
     * its node budget, and a user method with a vector argument left as a real call gets the vector boxed
     * and the Vector API's Java fallback inside it (conv2's forward, in some runs only: 7.5 MiB of garbage
     * per training step and a kernel several times slower). The library's own methods are force-inlined;
     * the kernels' store paths call nothing else with a vector (the leaves generated loops call,
     * {@link VectorMath}'s functions and {@code DropoutHash.keepFactors}, still take one), and their vector
     * code stays straight-line: one max whatever the activation, -0 added where there is no bias.
     */
    public float inRegisterFloor() {
        return this == RELU ? 0f : Float.NEGATIVE_INFINITY;
    }

    /**
     * VL lanes of -0: the bias a kernel adds where there is none, so its vector code has no branch
     * (x + -0 is x for every x, -0 and NaN included).
     */
    static final float[] NEGATIVE_ZEROS = new float[S.length()];

    static {
        java.util.Arrays.fill(NEGATIVE_ZEROS, -0f);
    }

    /** Applies the activation in place to the vector of lanes at data[index]. */
    public void applyVector(float[] data, int index) {
        // kept small so the JIT inlines it into every store loop; sigmoid and tanh, which are large,
        // load and store their vector inside a method of their own (a vector passed to a method the
        // JIT does not inline would be boxed)
        switch (this) {
            case NONE -> { }
            case RELU -> FloatVector.fromArray(S, data, index).max(0f).intoArray(data, index);
            case SIGMOID -> sigmoidAt(data, index);
            case TANH -> tanhAt(data, index);
        }
    }

    private static void sigmoidAt(float[] data, int index) {
        FloatVector v = FloatVector.fromArray(S, data, index);
        v.broadcast(1f).div(VectorMath.exp(v.neg()).add(1f)).intoArray(data, index);
    }

    private static void tanhAt(float[] data, int index) {
        VectorMath.tanh(FloatVector.fromArray(S, data, index)).intoArray(data, index);
    }

    /** Like {@link #applyVector(float[], int)} for the live lanes only. */
    void applyVector(float[] data, int index, VectorMask<Float> live) {
        switch (this) {
            case NONE -> { }
            case RELU -> FloatVector.fromArray(S, data, index, live).max(0f).intoArray(data, index, live);
            case SIGMOID -> sigmoidAt(data, index, live);
            case TANH -> tanhAt(data, index, live);
        }
    }

    private static void sigmoidAt(float[] data, int index, VectorMask<Float> live) {
        FloatVector v = FloatVector.fromArray(S, data, index, live);
        v.broadcast(1f).div(VectorMath.exp(v.neg()).add(1f)).intoArray(data, index, live);
    }

    private static void tanhAt(float[] data, int index, VectorMask<Float> live) {
        VectorMath.tanh(FloatVector.fromArray(S, data, index, live)).intoArray(data, index, live);
    }

    /** Applies the activation in place to data[offset, offset + length). */
    public void applyInPlace(float[] data, int offset, int length) {
        if (this == NONE) {
            return;
        }
        int i = 0;
        for (int upper = S.loopBound(length); i < upper; i += S.length()) {
            applyVector(data, offset + i);
        }
        for (; i < length; i++) {
            data[offset + i] = apply(data[offset + i]);
        }
    }
}
