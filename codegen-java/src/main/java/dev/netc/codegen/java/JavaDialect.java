package dev.netc.codegen.java;

import dev.netc.codegen.core.Dialect;

/** Scalar arithmetic spelled in Java: float math goes through {@link Math} in double and back. */
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
            case EXP -> "(float) Math.exp(" + arg + ")";
            case LOG -> "(float) Math.log(" + arg + ")";
            case TANH -> "(float) Math.tanh(" + arg + ")";
            case SQRT -> "(float) Math.sqrt(" + arg + ")";
            case ABS -> "Math.abs(" + arg + ")";
            case ERF -> "erf(" + arg + ")";
        };
    }

    @Override public String max(String a, String b, boolean isFloat) { return "Math.max(" + a + ", " + b + ")"; }

    @Override public String min(String a, String b, boolean isFloat) { return "Math.min(" + a + ", " + b + ")"; }
}
