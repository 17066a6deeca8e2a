package dev.netc.codegen.cuda;

import dev.netc.codegen.core.Dialect;

/**
 * Scalar arithmetic spelled in CUDA C: single-precision math functions ({@code expf}, {@code fmaxf}),
 * so the shared {@link dev.netc.codegen.core.ScalarExprPrinter} prints device code.
 */
public final class CudaDialect implements Dialect {

    public static final CudaDialect INSTANCE = new CudaDialect();

    private CudaDialect() {}

    @Override public String floatLiteral(double value) {
        float f = (float) value;
        if (Float.isNaN(f)) return "__int_as_float(0x7fffffff)";
        if (Float.isInfinite(f)) return f > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)";
        return Dialect.finiteFloatLiteral(f);
    }

    @Override public String call(Fn fn, String arg) {
        return switch (fn) {
            case EXP -> "expf(" + arg + ")";
            case LOG -> "logf(" + arg + ")";
            case TANH -> "tanhf(" + arg + ")";
            case SQRT -> "sqrtf(" + arg + ")";
            case ABS -> "fabsf(" + arg + ")";
            case ERF -> "erff(" + arg + ")";
        };
    }

    @Override public String max(String a, String b, boolean isFloat) {
        return (isFloat ? "fmaxf(" : "max(") + a + ", " + b + ")";
    }

    @Override public String min(String a, String b, boolean isFloat) {
        return (isFloat ? "fminf(" : "min(") + a + ", " + b + ")";
    }

    /** C's double functions: the same names, but fabs for abs. */
    @Override public String doubleFunction(Fn fn) { return fn == Fn.ABS ? "fabs" : fn.name().toLowerCase(java.util.Locale.ROOT); }

    @Override public String pow(String base, String exponent) { return "pow(" + base + ", " + exponent + ")"; }
}
