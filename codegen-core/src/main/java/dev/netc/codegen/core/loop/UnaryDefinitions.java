package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.op;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.UnaryFn;

/**
 * What each elementwise function of one operand computes, in the few primitives every target spells
 * (arithmetic, min/max, a comparison select, and the math functions of {@link Expr.MathFn}). This is
 * the only place a backend learns an activation: a new one is one case here, its reference semantics
 * in {@link UnaryFn#apply} and its gradient in autodiff.
 */
public final class UnaryDefinitions {
    private UnaryDefinitions() {}

    /** fn(x) for a float operand; x is a local, a literal or a load, and may be used more than once. */
    public static Expr expand(UnaryFn fn, Expr x) {
        return switch (fn) {
            case NEG -> new Expr.Neg(x);
            case RELU -> max(x, f(0));
            case SIGMOID -> op(f(1), "/", op(f(1), "+", call(Expr.MathFn.EXP, new Expr.Neg(x))));
            case TANH -> call(Expr.MathFn.TANH, x);
            case EXP -> call(Expr.MathFn.EXP, x);
            case LOG -> call(Expr.MathFn.LOG, x);
            case SQRT -> call(Expr.MathFn.SQRT, x);
            case SQUARE -> op(x, "*", x);
            case RECIPROCAL -> op(f(1), "/", x);
            case ABS -> call(Expr.MathFn.ABS, x);
            case STEP -> new Expr.Select(op(x, ">", f(0)), f(1), f(0));
            case SOFTPLUS -> op(max(x, f(0)), "+", call(Expr.MathFn.LOG, op(f(1), "+",
                    call(Expr.MathFn.EXP, new Expr.Neg(call(Expr.MathFn.ABS, x))))));
            case ERF -> call(Expr.MathFn.ERF, x);
            case GELU -> op(op(f(0.5), "*", x), "*", op(f(1), "+", call(Expr.MathFn.ERF, op(x, "*", f(1 / Math.sqrt(2))))));
            case GELU_TANH -> op(op(f(0.5), "*", x), "*", op(f(1), "+", call(Expr.MathFn.TANH, op(f(UnaryFn.GELU_TANH_SCALE), "*",
                    op(x, "+", op(f(UnaryFn.GELU_TANH_CUBIC), "*", op(op(x, "*", x), "*", x)))))));
            case SILU -> op(x, "/", op(f(1), "+", call(Expr.MathFn.EXP, new Expr.Neg(x))));
            case HARD_SIGMOID -> max(f(0), new Expr.Binary(BinaryFn.MIN, f(1),
                    op(op(f(UnaryFn.HARD_SIGMOID_SLOPE), "*", x), "+", f(UnaryFn.HARD_SIGMOID_OFFSET)), true));
            case MISH -> op(x, "*", call(Expr.MathFn.TANH, expand(UnaryFn.SOFTPLUS, x)));
        };
    }

    private static Expr max(Expr a, Expr b) { return new Expr.Binary(BinaryFn.MAX, a, b, true); }

    private static Expr call(Expr.MathFn fn, Expr x) { return new Expr.Call(fn, x, Type.FLOAT); }
}
