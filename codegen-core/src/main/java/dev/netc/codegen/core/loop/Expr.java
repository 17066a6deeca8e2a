package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.Dialect;
import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.BinaryFn;

/**
 * Scalar expressions of a loop kernel: a few primitives every target spells (arithmetic, min/max,
 * selects, math functions, loads). Functions of one operand are defined on them in
 * {@link UnaryDefinitions}; two-operand ones keep their IR function ({@link BinaryFn}).
 */
public sealed interface Expr {

    /** A loop variable or a local, by name. */
    record Var(String name) implements Expr {}

    record IntConst(long value) implements Expr {}

    record FloatConst(double value) implements Expr {}

    record DoubleConst(double value) implements Expr {}

    /** An element count known up to the batch size. */
    record Size(SizeExpr size) implements Expr {}

    /** A scalar every kernel of the model can read (training flag, learning rate, step). */
    record Scalar(ModelScalar which) implements Expr {}

    record Load(Buf buf, Expr index, Lanes lanes) implements Expr {}

    /** Negation. */
    record Neg(Expr x) implements Expr {}

    /** An elementwise IR function of two operands. */
    record Binary(BinaryFn fn, Expr a, Expr b, boolean isFloat) implements Expr {}

    /** Plain arithmetic ({@code + - * / %}) or a comparison ({@code < <= > >= == !=}) in the operands' type. */
    record Arith(String op, Expr a, Expr b) implements Expr {}

    /** A library math function of a FLOAT or DOUBLE argument. */
    record Call(Dialect.Fn fn, Expr x, Type type) implements Expr {}

    record Pow(Expr base, Expr exponent) implements Expr {}

    record Cast(Type to, Expr x) implements Expr {}

    /** {@code cond ? a : b}. */
    record Select(Expr cond, Expr a, Expr b) implements Expr {}

    /** Inverted dropout's factor for element {@code index} of node {@code node}'s mask in this training pass. */
    record DropoutFactor(int node, Expr index, double rate) implements Expr {}

    /** Scalars kernels read besides buffers. */
    enum ModelScalar { TRAINING, LEARNING_RATE, STEP }


    // ---- small constructors that keep builders readable ----

    static Expr var(String name) { return new Var(name); }

    static Expr i(long value) { return new IntConst(value); }

    static Expr f(double value) { return new FloatConst(value); }

    static Expr size(SizeExpr s) { return s.isKnown() ? new IntConst(s.known()) : new Size(s); }

    static Expr op(Expr a, String op, Expr b) { return new Arith(op, a, b); }

    /** a + b with the trivial cases folded (integer index arithmetic). */
    static Expr add(Expr a, Expr b) {
        if (a instanceof IntConst x && x.value() == 0) return b;
        if (b instanceof IntConst y && y.value() == 0) return a;
        return new Arith("+", a, b);
    }

    /** a * b with the trivial cases folded (integer index arithmetic). */
    static Expr mul(Expr a, Expr b) {
        if (a instanceof IntConst x && x.value() == 1) return b;
        if (b instanceof IntConst y && y.value() == 1) return a;
        if (a instanceof IntConst x && x.value() == 0 || b instanceof IntConst y && y.value() == 0) return new IntConst(0);
        return new Arith("*", a, b);
    }
}
