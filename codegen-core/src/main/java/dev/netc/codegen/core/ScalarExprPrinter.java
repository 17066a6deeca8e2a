package dev.netc.codegen.core;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.UnaryFn;

/**
 * Prints the scalar expression of one elementwise op over operand expressions, in a target
 * {@link Dialect}. Operands are simple names or array reads, so results are parenthesised only
 * where an operator could bind differently.
 */
public final class ScalarExprPrinter {
    private final Dialect d;

    public ScalarExprPrinter(Dialect dialect) { this.d = dialect; }

    public Dialect dialect() { return d; }

    public String unary(UnaryFn fn, String x) {
        String zero = d.floatLiteral(0), one = d.floatLiteral(1);
        return switch (fn) {
            case NEG -> "-" + x;
            case RELU -> d.max(x, zero, true);
            case SIGMOID -> one + " / (" + one + " + " + d.call(Dialect.Fn.EXP, "-" + x) + ")";
            case TANH -> d.call(Dialect.Fn.TANH, x);
            case EXP -> d.call(Dialect.Fn.EXP, x);
            case LOG -> d.call(Dialect.Fn.LOG, x);
            case SQRT -> d.call(Dialect.Fn.SQRT, x);
            case SQUARE -> x + " * " + x;
            case RECIPROCAL -> one + " / " + x;
            case ABS -> d.call(Dialect.Fn.ABS, x);
            case STEP -> d.select(x + " > " + zero, one, zero);
            case SOFTPLUS -> d.max(x, zero, true) + " + " + d.call(Dialect.Fn.LOG, one + " + " + d.call(Dialect.Fn.EXP, "-" + d.call(Dialect.Fn.ABS, x)));
        };
    }

    public String binary(BinaryFn fn, String a, String b, boolean isFloat) {
        String one = isFloat ? d.floatLiteral(1) : d.intLiteral(1);
        String zero = isFloat ? d.floatLiteral(0) : d.intLiteral(0);
        return switch (fn) {
            case ADD, SUB, MUL, DIV -> a + " " + fn.infix() + " " + b;
            case MAX -> d.max(a, b, isFloat);
            case MIN -> d.min(a, b, isFloat);
            case GREATER -> d.select(a + " > " + b, one, zero);
        };
    }

    public String constant(double value, boolean isFloat) {
        return isFloat ? d.floatLiteral(value) : d.intLiteral((long) value);
    }
}
