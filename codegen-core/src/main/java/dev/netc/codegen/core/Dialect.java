package dev.netc.codegen.core;

/**
 * The spelling of scalar arithmetic in one target language (Java now, CUDA C later), so that
 * {@link ScalarExprPrinter} can print elementwise expressions for any backend.
 */
public interface Dialect {

    /** Transcendental and other library functions of one float argument. */
    enum Fn { EXP, LOG, TANH, SQRT, ABS, ERF }

    /** A float literal, e.g. {@code 0.5f}; parenthesised when negative. */
    String floatLiteral(double value);

    /** An int literal; parenthesised when negative (the same in Java and C). */
    default String intLiteral(long value) { return value < 0 ? "(" + value + ")" : Long.toString(value); }

    /**
     * A finite float as its shortest round-trip spelling with an {@code f} suffix, valid in Java and C
     * alike; parenthesised when negative (or -0) so it can follow a binary operator.
     */
    static String finiteFloatLiteral(float f) {
        String s = Float.toString(f) + "f";
        return f < 0 || (f == 0 && 1 / f < 0) ? "(" + s + ")" : s;
    }

    /** A library function of one float argument, e.g. {@code exp(x)} (Java: {@code VectorMath.exp}) or {@code expf(x)} (CUDA). */
    String call(Fn fn, String arg);

    /** The larger (or smaller) of two values of the given kind. */
    String max(String a, String b, boolean isFloat);

    String min(String a, String b, boolean isFloat);

    /** The name of a double-precision library function (step-size arithmetic), called as {@code name(arg)}. */
    String doubleFunction(Fn fn);

    /** {@code base} to the power {@code exponent}, both double. */
    String pow(String base, String exponent);

    /** A double literal (dropout rates, step-size constants); parenthesised when negative. */
    default String doubleLiteral(double value) { return value < 0 ? "(" + value + ")" : Double.toString(value); }

    /** A conditional expression {@code (cond ? a : b)}. */
    default String select(String cond, String a, String b) { return "(" + cond + " ? " + a + " : " + b + ")"; }
}
