package dev.netc.codegen.core;

import dev.netc.ir.BinaryFn;

/**
 * Prints the scalar expression of one two-operand elementwise op over operand expressions, in a target
 * {@link Dialect}. Operands are simple names or array reads, so results are parenthesised only
 * where an operator could bind differently.
 */
public final class ScalarExprPrinter {
    private final Dialect d;

    public ScalarExprPrinter(Dialect dialect) { this.d = dialect; }

    public Dialect dialect() { return d; }

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
