package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.Dialect;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.op;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.UnaryFn;

/**
 * What each elementwise function of one operand computes, in the few primitives every target spells
 * (arithmetic, min/max, a comparison select, and the math functions of {@link Dialect.Fn}). This is
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
            case SIGMOID -> op(f(1), "/", op(f(1), "+", call(Dialect.Fn.EXP, new Expr.Neg(x))));
            case TANH -> call(Dialect.Fn.TANH, x);
            case EXP -> call(Dialect.Fn.EXP, x);
            case LOG -> call(Dialect.Fn.LOG, x);
            case SQRT -> call(Dialect.Fn.SQRT, x);
            case SQUARE -> op(x, "*", x);
            case RECIPROCAL -> op(f(1), "/", x);
            case ABS -> call(Dialect.Fn.ABS, x);
            case STEP -> new Expr.Select(op(x, ">", f(0)), f(1), f(0));
            case SOFTPLUS -> op(max(x, f(0)), "+", call(Dialect.Fn.LOG, op(f(1), "+",
                    call(Dialect.Fn.EXP, new Expr.Neg(call(Dialect.Fn.ABS, x))))));
            case ERF -> call(Dialect.Fn.ERF, x);
            case GELU -> op(op(f(0.5), "*", x), "*", op(f(1), "+", call(Dialect.Fn.ERF, op(x, "*", f(1 / Math.sqrt(2))))));
            case GELU_TANH -> op(op(f(0.5), "*", x), "*", op(f(1), "+", call(Dialect.Fn.TANH, op(f(UnaryFn.GELU_TANH_SCALE), "*",
                    op(x, "+", op(f(UnaryFn.GELU_TANH_CUBIC), "*", op(op(x, "*", x), "*", x)))))));
            case SILU -> op(x, "/", op(f(1), "+", call(Dialect.Fn.EXP, new Expr.Neg(x))));
            case HARD_SIGMOID -> max(f(0), new Expr.Binary(BinaryFn.MIN, f(1),
                    op(op(f(UnaryFn.HARD_SIGMOID_SLOPE), "*", x), "+", f(UnaryFn.HARD_SIGMOID_OFFSET)), true));
            case MISH -> op(x, "*", call(Dialect.Fn.TANH, expand(UnaryFn.SOFTPLUS, x)));
        };
    }

    private static Expr max(Expr a, Expr b) { return new Expr.Binary(BinaryFn.MAX, a, b, true); }

    private static Expr call(Dialect.Fn fn, Expr x) { return new Expr.Call(fn, x, Type.FLOAT); }
}
