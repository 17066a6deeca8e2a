package dev.netc.codegen.java;

import dev.netc.codegen.core.Dialect;

/**
 * Scalar arithmetic spelled in Java. exp, log and tanh are {@code dev.netc.kernels.VectorMath}'s float
 * functions (statically imported by the generated class), which give the same bits as the vector
 * forms the vectorised loops call and the same bits in every JIT tier; sqrt and abs go through
 * {@link Math} (exactly rounded everywhere), erf through {@code SpecialFunctions.erf} in double.
 */
public final class JavaDialect implements Dialect {

    public static final JavaDialect INSTANCE = new JavaDialect();

    private JavaDialect() {}

    @Override public String floatLiteral(double value) {
        float f = (float) value;
        if (Float.isNaN(f)) return "Float.NaN";
        if (Float.isInfinite(f)) return f > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
        return Dialect.finiteFloatLiteral(f);
    }

    @Override public String call(Fn fn, String arg) {
        return switch (fn) {
            case EXP -> "exp(" + arg + ")";
            case LOG -> "log(" + arg + ")";
            case TANH -> "tanh(" + arg + ")";
            case SQRT -> "(float) Math.sqrt(" + arg + ")";
            case ABS -> "Math.abs(" + arg + ")";
            case ERF -> "erf(" + arg + ")";
        };
    }

    /** Math's double functions; erf is SpecialFunctions.erf(double), statically imported like its float twin. */
    @Override public String doubleFunction(Fn fn) { return fn == Fn.ERF ? "erf" : "Math." + fn.name().toLowerCase(java.util.Locale.ROOT); }

    @Override public String pow(String base, String exponent) { return "Math.pow(" + base + ", " + exponent + ")"; }

    @Override public String max(String a, String b, boolean isFloat) { return "Math.max(" + a + ", " + b + ")"; }

    @Override public String min(String a, String b, boolean isFloat) { return "Math.min(" + a + ", " + b + ")"; }
}
