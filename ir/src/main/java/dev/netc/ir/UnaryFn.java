package dev.netc.ir;

import dev.netc.kernels.SpecialFunctions;

/** Elementwise functions of one operand. Their derivatives live in autodiff, their code in codegen. */
public enum UnaryFn {
    NEG, RELU, SIGMOID, TANH, EXP, LOG, SQRT, SQUARE, RECIPROCAL, ABS,
    /** 1 where x > 0, else 0: the derivative of relu. */
    STEP,
    /** log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(-|x|)) so that it never overflows. */
    SOFTPLUS,
    /** The error function (gelu and its gradient are built on it). */
    ERF,
    /** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
    GELU,
    /** GELU's tanh approximation: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). */
    GELU_TANH,
    /** SiLU (swish): x * sigmoid(x). */
    SILU,
    /** Keras 2's hard sigmoid: clip(0.2 x + 0.5, 0, 1). */
    HARD_SIGMOID,
    /** Mish: x * tanh(softplus(x)). */
    MISH;

    /** sqrt(2 / pi), GELU_TANH's inner scale. */
    public static final double GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);
    /** GELU_TANH's cubic coefficient. */
    public static final double GELU_TANH_CUBIC = 0.044715;
    /** HARD_SIGMOID's slope and offset. */
    public static final double HARD_SIGMOID_SLOPE = 0.2, HARD_SIGMOID_OFFSET = 0.5;

    public String mnemonic() { return this == GELU_TANH ? "gelu_tanh" : name().toLowerCase(); }

    /** Reference semantics in double precision (the interpreter and tests use this). */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case RELU -> x > 0 ? x : 0;
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case ABS -> Math.abs(x);
            case STEP -> x > 0 ? 1 : 0;
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            case ERF -> SpecialFunctions.erf(x);
            case GELU -> 0.5 * x * (1 + SpecialFunctions.erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x)));
            case SILU -> x * SIGMOID.apply(x);
            case HARD_SIGMOID -> Math.max(0, Math.min(1, HARD_SIGMOID_SLOPE * x + HARD_SIGMOID_OFFSET));
            case MISH -> x * Math.tanh(SOFTPLUS.apply(x));
        };
    }
}
