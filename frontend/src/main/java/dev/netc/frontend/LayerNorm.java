package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;

/**
 * {@code layer_norm(x, epsilon=1e-5, name=...)}: Keras's LayerNormalization over the last axis. The
 * normalisation is the primitive {@link Op.LayerNorm}; its trainable gamma (ones) and beta (zeros),
 * one per feature, follow as elementwise ops that fuse after it.
 */
final class LayerNorm {
    private LayerNorm() {}

    static Value layer(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        double epsilon = a.number("epsilon", 1e-5);
        if (!(epsilon > 0)) throw a.error("epsilon", "epsilon must be positive, got " + Value.format(epsilon));
        Shape xs = x.type().shape();
        if (!x.type().dtype().isFloat()) throw a.error("x", "input must be a float tensor, got " + x.type());
        if (xs.rank() < 2) throw a.error("x", "input must be [B, ..., features], got " + xs);
        if (!(xs.dim(xs.rank() - 1) instanceof Dim.Known features))
            throw a.error("x", "the last dimension (the features normalised over) must be known at compile time, got " + xs);
        String layer = Layers.layerName(f, a, "layer_normalization");
        SourceSpan at = a.span();
        TensorType vector = x.type().withShape(Shape.of(features.size()));
        Value.Tensor gamma = e.parameter(layer + "/gamma", vector, new Init.Ones(), true, at);
        Value.Tensor beta = e.parameter(layer + "/beta", vector, new Init.Zeros(), true, at);
        Value.Tensor normalised = e.add(new Op.LayerNorm(epsilon), null, at, x);
        Value.Tensor scaled = e.add(new Op.Binary(BinaryFn.MUL), null, at, normalised, gamma);
        Value.Tensor y = e.add(new Op.Binary(BinaryFn.ADD), name, at, scaled, beta);
        e.row(layer, "LayerNormalization", y.type().shape(), 2L * features.size(), 0);
        return y;
    }
}
