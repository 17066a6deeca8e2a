package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.UnaryFn;
import java.util.List;
import java.util.stream.IntStream;

/**
 * L1/L2 weight penalties. Called on a tensor, {@code l2(w, 1e-4)} is the penalty itself (a scalar to
 * add to a loss: per parameter). Called with numbers only, {@code l2(1e-4)} is a regularizer value that a
 * layer takes as {@code kernel_regularizer=} or {@code bias_regularizer=}; the layer's penalty is then
 * added to the train block's loss automatically (per layer), as Keras does. Both forms are one entry
 * each in {@link Builtins#TABLE}.
 */
final class Regularizers {
    private Regularizers() {}

    /** Keras' default factor for l1(), l2() and l1_l2(). */
    private static final double DEFAULT = 0.01;

    /** l1(scale=0.01). */
    static Value.RegularizerV l1(Args a) { return new Value.RegularizerV(factor(a, "scale"), 0); }

    /** l2(scale=0.01). */
    static Value.RegularizerV l2(Args a) { return new Value.RegularizerV(0, factor(a, "scale")); }

    /** l1_l2(l1=0.01, l2=0.01). */
    static Value.RegularizerV l1l2(Args a) {
        double l1 = factor(a, "l1");
        return new Value.RegularizerV(l1, factor(a, "l2"));
    }

    /** Whether a call is the penalty on a tensor: a tensor first positional argument, or a named x. */
    static boolean onTensor(Ast.Call call, List<Value> values) {
        return !values.isEmpty() && call.args().getFirst().name() == null && values.getFirst() instanceof Value.Tensor
                || call.args().stream().anyMatch(a -> a.name() != null && a.name().name().equals("x"));
    }

    /** The penalty of r on the call's argument x, a scalar. */
    static Value.Tensor penalty(Emitter e, Value.RegularizerV r, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        if (!x.type().dtype().isFloat()) throw a.error("x", "argument 'x' must be a float tensor, got " + x.type());
        return penalty(e, r, x, a.span(), name);
    }

    private static double factor(Args a, String arg) {
        double d = a.number(arg, DEFAULT);
        if (!(d >= 0)) throw a.error(arg, arg + " must not be negative, got " + Value.format(d));
        return d;
    }

    /** The regularizer argument of a layer, if given. */
    static Value.RegularizerV of(Args a, String arg) {
        if (!a.has(arg)) return null;
        Value v = a.value(arg);
        if (v instanceof Value.RegularizerV r) return r;
        throw a.error(arg, "argument '" + arg + "' must be a regularizer such as l2(1e-4), l1(1e-5) or l1_l2(l1=..., l2=...), got "
                + Value.describe(v));
    }

    /** l1 sum|w| + l2 sum w^2 as a scalar of w's element type. */
    static Value.Tensor penalty(Emitter e, Value.RegularizerV r, Value.Tensor w, SourceSpan span, String name) {
        List<Integer> all = IntStream.range(0, w.type().rank()).boxed().toList();
        Value.Tensor total = null;
        if (r.l1() != 0) total = term(e, UnaryFn.ABS, r.l1(), w, all, span);
        if (r.l2() != 0) {
            Value.Tensor t = term(e, UnaryFn.SQUARE, r.l2(), w, all, span);
            total = total == null ? t : e.add(new Op.Binary(BinaryFn.ADD), null, span, total, t);
        }
        if (total == null) total = e.scalar(0, w.type());
        return name == null ? total : e.add(new Op.Reshape(total.type().shape()), name, span, total);
    }

    private static Value.Tensor term(Emitter e, UnaryFn fn, double factor, Value.Tensor w, List<Integer> all, SourceSpan span) {
        Value.Tensor each = e.add(new Op.Unary(fn), null, span, w);
        Value.Tensor sum = e.add(new Op.Reduce(ReduceFn.SUM, all, false), null, span, each);
        return e.add(new Op.Binary(BinaryFn.MUL), null, span, sum, e.scalar(factor, w.type()));
    }

    /** Registers the layer's penalty on w, when the layer was given a regularizer for it. */
    static void register(Emitter e, Args a, String arg, Value.Tensor w) {
        Value.RegularizerV r = of(a, arg);
        if (r != null) e.penalty(penalty(e, r, w, a.span(), null));
    }
}
