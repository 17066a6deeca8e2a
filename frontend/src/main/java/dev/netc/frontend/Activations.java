package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Op;
import dev.netc.ir.UnaryFn;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one table of activation functions: each entry names itself, its parameters, where it may be
 * used (as a function {@code gelu(x)}, as a layer's {@code activation=gelu}, or both) and how it
 * lowers to IR. Functions with a parameter are composed from primitive ops, as TensorFlow does:
 * {@code leaky_relu = max(x, alpha x)} (for alpha in [0, 1]; otherwise {@code relu(x) - alpha relu(-x)}),
 * {@code elu = relu(x) + alpha (exp(min(x, 0)) - 1)}. The function entries join the table of builtin
 * functions ({@link Builtins#TABLE}). A new activation is one entry here plus its
 * {@link UnaryFn} (reference semantics), gradient and definition in the shared kernel layer.
 */
final class Activations {
    private Activations() {}

    /** Keras' default slope of leaky_relu (tf.keras.layers.LeakyReLU). */
    static final double LEAKY_ALPHA = 0.3;
    static final double ELU_ALPHA = 1.0;

    /** How an entry becomes IR: x, the call's arguments (null when used as activation=, so defaults apply). */
    interface Lowering {
        Value.Tensor apply(Emitter e, Value.Tensor x, Args args, String name, SourceSpan span);
    }

    /**
     * One activation.
     *
     * @param name       its spelling
     * @param parameters the call's parameters after x, in {@link Args} spec form ("alpha?")
     * @param function   usable as a builtin function
     * @param layer      usable as a layer's {@code activation=}
     */
    record Entry(String name, List<String> parameters, boolean function, boolean layer, Lowering lowering) {}

    static final List<Entry> TABLE = List.of(
            new Entry("none", List.of(), false, true, (e, x, a, name, span) -> x),
            new Entry("linear", List.of(), true, true, (e, x, a, name, span) -> x),
            unary("relu", UnaryFn.RELU, true),
            unary("sigmoid", UnaryFn.SIGMOID, true),
            unary("tanh", UnaryFn.TANH, true),
            new Entry("softmax", List.of(), false, true, (e, x, a, name, span) -> e.add(new Op.Softmax(x.type().rank() - 1), name, span, x)),
            unary("softplus", UnaryFn.SOFTPLUS, true),
            new Entry("leaky_relu", List.of("alpha?"), true, true,
                    (e, x, a, name, span) -> leakyRelu(e, x, alpha(a, LEAKY_ALPHA), name, span)),
            new Entry("elu", List.of("alpha?"), true, true, (e, x, a, name, span) -> elu(e, x, alpha(a, ELU_ALPHA), name, span)),
            new Entry("gelu", List.of("approximate?"), true, true, (e, x, a, name, span) -> {
                String approximate = a == null ? "none" : a.word("approximate", "none", "none", "tanh");
                return e.add(new Op.Unary(approximate.equals("tanh") ? UnaryFn.GELU_TANH : UnaryFn.GELU), name, span, x);
            }),
            unary("silu", UnaryFn.SILU, true),
            unary("swish", UnaryFn.SILU, true),
            unary("hard_sigmoid", UnaryFn.HARD_SIGMOID, true),
            unary("mish", UnaryFn.MISH, true),
            unary("exp", UnaryFn.EXP, false),
            unary("log", UnaryFn.LOG, false),
            unary("sqrt", UnaryFn.SQRT, false),
            unary("square", UnaryFn.SQUARE, false),
            unary("abs", UnaryFn.ABS, false),
            unary("erf", UnaryFn.ERF, false));

    private static final Map<String, Entry> BY_NAME = TABLE.stream().collect(Collectors.toMap(Entry::name, Function.identity()));

    /** The names a layer's {@code activation=} accepts; parameterised ones take their defaults. */
    static final List<String> LAYER_NAMES = TABLE.stream().filter(Entry::layer).map(Entry::name).toList();

    /** A layer's activation by name; "none" and "linear" return h unchanged. */
    static Value.Tensor apply(Emitter e, String activation, Value.Tensor h, String name, SourceSpan span) {
        return BY_NAME.get(activation).lowering().apply(e, h, null, name, span);
    }

    /**
     * A builtin call such as gelu(x, approximate=tanh) or leaky_relu(x, alpha=0.3); {@link Builtins}
     * lists each function entry with x and then the entry's own parameters.
     */
    static Value call(Emitter e, Entry entry, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        if (!x.type().dtype().isFloat()) throw a.error("x", "argument 'x' must be a float tensor, got " + x.type());
        return entry.lowering().apply(e, x, a, name, a.span());
    }

    private static Entry unary(String name, UnaryFn fn, boolean layer) {
        return new Entry(name, List.of(), true, layer, (e, x, a, n, span) -> e.add(new Op.Unary(fn), n, span, x));
    }

    private static double alpha(Args a, double fallback) {
        if (a == null) return fallback;
        double alpha = a.number("alpha", fallback);
        if (!(alpha >= 0)) throw a.error("alpha", "alpha must not be negative, got " + Value.format(alpha));
        return alpha;
    }

    /** x for x > 0, alpha x otherwise. */
    static Value.Tensor leakyRelu(Emitter e, Value.Tensor x, double alpha, String name, SourceSpan span) {
        if (alpha <= 1) {
            Value.Tensor scaled = e.add(new Op.Binary(BinaryFn.MUL), null, span, x, e.scalar(alpha, x.type()));
            return e.add(new Op.Binary(BinaryFn.MAX), name, span, x, scaled);
        }
        Value.Tensor pos = e.add(new Op.Unary(UnaryFn.RELU), null, span, x);
        Value.Tensor neg = e.add(new Op.Unary(UnaryFn.RELU), null, span, e.add(new Op.Unary(UnaryFn.NEG), null, span, x));
        Value.Tensor scaled = e.add(new Op.Binary(BinaryFn.MUL), null, span, neg, e.scalar(alpha, x.type()));
        return e.add(new Op.Binary(BinaryFn.SUB), name, span, pos, scaled);
    }

    /** x for x > 0, alpha (exp(x) - 1) otherwise; exp only ever sees min(x, 0), so it cannot overflow. */
    static Value.Tensor elu(Emitter e, Value.Tensor x, double alpha, String name, SourceSpan span) {
        Value.Tensor pos = e.add(new Op.Unary(UnaryFn.RELU), null, span, x);
        Value.Tensor low = e.add(new Op.Binary(BinaryFn.MIN), null, span, x, e.scalar(0, x.type()));
        Value.Tensor expm1 = e.add(new Op.Binary(BinaryFn.SUB), null, span,
                e.add(new Op.Unary(UnaryFn.EXP), null, span, low), e.scalar(1, x.type()));
        Value.Tensor neg = e.add(new Op.Binary(BinaryFn.MUL), null, span, expm1, e.scalar(alpha, x.type()));
        return e.add(new Op.Binary(BinaryFn.ADD), name, span, pos, neg);
    }
}
