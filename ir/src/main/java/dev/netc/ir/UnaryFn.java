package dev.netc.ir;

/** Elementwise functions of one operand. Their derivatives live in autodiff, their code in codegen. */
public enum UnaryFn {
    NEG, RELU, SIGMOID, TANH, EXP, LOG, SQRT, SQUARE, RECIPROCAL, ABS,
    /** 1 where x > 0, else 0: the derivative of relu. */
    STEP,
    /** log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(-|x|)) so that it never overflows. */
    SOFTPLUS;

    public String mnemonic() { return name().toLowerCase(); }

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
        };
    }
}
