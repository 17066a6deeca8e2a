package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Op;
import dev.netc.ir.UnaryFn;
import java.util.List;

/**
 * Activation functions, shared by the builtin calls ({@code leaky_relu(x, 0.2)}) and the layers'
 * {@code activation=} argument. Those with a parameter are composed from primitive ops, as
 * TensorFlow does, so fusion and autodiff need nothing new: {@code leaky_relu = max(x, alpha x)}
 * (for alpha in [0, 1]; otherwise {@code relu(x) - alpha relu(-x)}), {@code elu = relu(x) + alpha
 * (exp(min(x, 0)) - 1)}.
 */
final class Activations {
    private Activations() {}

    /** Keras' default slope of leaky_relu (tf.keras.layers.LeakyReLU). */
    static final double LEAKY_ALPHA = 0.3;
    static final double ELU_ALPHA = 1.0;

    /** The names a layer's {@code activation=} accepts; parameterised ones take their default alpha. */
    static final List<String> LAYER_NAMES =
            List.of("none", "linear", "relu", "sigmoid", "tanh", "softmax", "softplus", "leaky_relu", "elu");

    /** The builtin function names handled here. */
    static final List<String> FUNCTIONS = List.of("softplus", "leaky_relu", "elu", "linear");

    /** A layer's activation by name; "none" and "linear" return h unchanged (but named). */
    static Value.Tensor apply(Emitter e, String activation, Value.Tensor h, String name, SourceSpan span) {
        return switch (activation) {
            case "relu" -> e.add(new Op.Unary(UnaryFn.RELU), name, span, h);
            case "sigmoid" -> e.add(new Op.Unary(UnaryFn.SIGMOID), name, span, h);
            case "tanh" -> e.add(new Op.Unary(UnaryFn.TANH), name, span, h);
            case "softplus" -> e.add(new Op.Unary(UnaryFn.SOFTPLUS), name, span, h);
            case "softmax" -> e.add(new Op.Softmax(h.type().rank() - 1), name, span, h);
            case "leaky_relu" -> leakyRelu(e, h, LEAKY_ALPHA, name, span);
            case "elu" -> elu(e, h, ELU_ALPHA, name, span);
            default -> h;
        };
    }

    /** A builtin call: softplus(x), linear(x), leaky_relu(x, alpha=0.3), elu(x, alpha=1). */
    static Value call(Emitter e, String fn, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        if (!x.type().dtype().isFloat()) throw a.error("x", "argument 'x' must be a float tensor, got " + x.type());
        return switch (fn) {
            case "softplus" -> e.add(new Op.Unary(UnaryFn.SOFTPLUS), name, a.span(), x);
            case "linear" -> x;
            case "leaky_relu" -> {
                double alpha = a.number("alpha", LEAKY_ALPHA);
                if (!(alpha >= 0)) throw a.error("alpha", "alpha must not be negative, got " + Value.format(alpha));
                yield leakyRelu(e, x, alpha, name, a.span());
            }
            case "elu" -> {
                double alpha = a.number("alpha", ELU_ALPHA);
                if (!(alpha >= 0)) throw a.error("alpha", "alpha must not be negative, got " + Value.format(alpha));
                yield elu(e, x, alpha, name, a.span());
            }
            default -> throw new IllegalStateException("not an activation: " + fn);
        };
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
