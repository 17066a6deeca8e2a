package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import java.util.List;

/**
 * Keras-style layers: they create their own parameters ("dense/kernel", "conv2d_1/bias", Keras
 * default initialisers) and add a row to the model summary. Their names and parameters are entries of
 * {@link Builtins#TABLE}.
 */
final class Layers {
    private Layers() {}

    private static final String[] ACTIVATIONS = Activations.LAYER_NAMES.toArray(String[]::new);

    static Value dense(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        int units = a.positiveInt("units", 1);
        String activation = a.word("activation", "none", ACTIVATIONS);
        boolean useBias = a.bool("use_bias", true);
        Init kernelInit = a.init("kernel_init", new Init.GlorotUniform()), biasInit = a.init("bias_init", new Init.Zeros());
        Shape xs = x.type().shape();
        if (xs.rank() != 2)
            throw new UserError(a.span("x"), "dense: input must be [batch, features], got " + xs,
                    xs.rank() > 2 ? List.of("flatten it first: flatten(...)") : List.of());
        if (!(xs.dim(1) instanceof Dim.Known in))
            throw a.error("x", "the number of input features must be known at compile time, got " + xs);
        String layer = layerName(f, a, "dense");
        boolean plain = isLinear(activation);
        Value.Tensor kernel = e.parameter(layer + "/kernel", x.type().withShape(Shape.of(in.size(), units)), kernelInit, true, a.span());
        Regularizers.register(e, a, "kernel_regularizer", kernel);
        Value.Tensor h = e.add(new Op.MatMul(false, false), plain && !useBias ? name : null, a.span(), x, kernel);
        long params = (long) in.size() * units;
        if (useBias) {
            Value.Tensor bias = e.parameter(layer + "/bias", x.type().withShape(Shape.of(units)), biasInit, true, a.span());
            Regularizers.register(e, a, "bias_regularizer", bias);
            h = e.add(new Op.Binary(BinaryFn.ADD), plain ? name : null, a.span(), h, bias);
            params += units;
        }
        h = activate(e, activation, h, name, a.span());
        e.row(layer, "Dense", h.type().shape(), params, 0);
        return h;
    }

    static Value conv2d(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        int filters = a.positiveInt("filters", 1);
        List<Integer> size = a.intList("size");
        if (size.size() == 1) size = List.of(size.getFirst(), size.getFirst());
        if (size.size() != 2 || size.get(0) <= 0 || size.get(1) <= 0)
            throw a.error("size", "size must be a positive integer or [height, width], got " + size);
        int stride = a.positiveInt("stride", 1);
        String activation = a.word("activation", "none", ACTIVATIONS);
        boolean useBias = a.bool("use_bias", true);
        Init kernelInit = a.init("kernel_init", new Init.GlorotUniform()), biasInit = a.init("bias_init", new Init.Zeros());
        Shape xs = x.type().shape();
        if (xs.rank() != 4) throw a.error("x", "input must be [N, C, H, W], got " + xs);
        if (!(xs.dim(1) instanceof Dim.Known channels))
            throw a.error("x", "the number of input channels must be known at compile time, got " + xs);
        Padding padding = Builtins.padding(a, xs, Dim.of(size.get(0)), Dim.of(size.get(1)), stride, true);
        String layer = layerName(f, a, "conv2d");
        boolean plain = isLinear(activation);
        Shape kernelShape = Shape.of(filters, channels.size(), size.get(0), size.get(1));
        Value.Tensor kernel = e.parameter(layer + "/kernel", x.type().withShape(kernelShape), kernelInit, true, a.span());
        Regularizers.register(e, a, "kernel_regularizer", kernel);
        Value.Tensor h = e.add(new Op.Conv2d(stride, padding), plain && !useBias ? name : null, a.span(), x, kernel);
        long params = Emitter.count(kernelShape);
        if (useBias) {
            Value.Tensor bias = e.parameter(layer + "/bias", x.type().withShape(Shape.of(filters)), biasInit, true, a.span());
            Regularizers.register(e, a, "bias_regularizer", bias);
            // A plain broadcast add of a [F, 1, 1] view, so that fusion sees the usual conv + bias epilogue.
            Value.Tensor column = e.add(new Op.Reshape(Shape.of(filters, 1, 1)), null, a.span(), bias);
            h = e.add(new Op.Binary(BinaryFn.ADD), plain ? name : null, a.span(), h, column);
            params += filters;
        }
        h = activate(e, activation, h, name, a.span());
        e.row(layer, "Conv2D", h.type().shape(), params, 0);
        return h;
    }

    static Value maxPool(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        int size = a.positiveInt("size", 2);
        int stride = a.positiveInt("stride", size);
        Padding padding = Builtins.padding(a, x.type().shape(), Dim.of(size), Dim.of(size), stride, true);
        // explicit padding as PyTorch and ONNX pool (ResNet's 3x3/2 pad 1); a window wholly in the padding would have no maximum
        if (Math.max(Math.max(padding.top(), padding.bottom()), Math.max(padding.left(), padding.right())) >= size)
            throw a.error("padding", "max_pool: padding " + padding + " must be smaller than the window size " + size);
        String layer = layerName(f, a, "max_pooling2d");
        Value.Tensor out = e.add(new Op.MaxPool(size, stride, padding), name, a.span(), x);
        e.row(layer, "MaxPooling2D", out.type().shape(), 0, 0);
        return out;
    }

    /** Keeps dimension 0 (the batch) and multiplies the rest, which must be known. */
    static Value flatten(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        Shape xs = x.type().shape();
        if (xs.rank() == 0) throw a.error("x", "cannot flatten a scalar");
        long rest = 1;
        for (int i = 1; i < xs.rank(); i++) {
            if (!(xs.dim(i) instanceof Dim.Known k))
                throw a.error("x", "only dimension 0 may be symbolic, got " + xs);
            rest *= k.size();
        }
        if (rest > Integer.MAX_VALUE) throw a.error("x", "flattened size of " + xs + " is too large");
        String layer = layerName(f, a, "flatten");
        Value.Tensor out = e.add(new Op.Reshape(new Shape(List.of(xs.dim(0), Dim.of((int) rest)))), name, a.span(), x);
        e.row(layer, "Flatten", out.type().shape(), 0, 0);
        return out;
    }

    /** Inverted dropout: x times a random mask (all ones outside training). */
    static Value dropout(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        double rate = a.number("rate", 0);
        if (!(rate >= 0 && rate < 1)) throw a.error("rate", "rate must be in [0, 1), got " + Value.format(rate));
        String layer = layerName(f, a, "dropout");
        Value.Tensor mask = e.add(new Op.DropoutMask(rate), null, a.span(), x);
        Value.Tensor out = e.add(new Op.Binary(BinaryFn.MUL), name, a.span(), x, mask);
        e.row(layer, "Dropout", out.type().shape(), 0, 0);
        return out;
    }

    /** The layer's name: {@code name="..."} (an identifier, not a reserved prefix) or Keras's "dense", "dense_1", ... */
    static String layerName(Frame f, Args a, String kind) {
        if (!a.has("name")) return f.uniqueName(kind);
        String name = a.string("name", kind);
        ReservedNames.forPrefix("layer name", name).ifPresent(problem -> { throw a.error("name", problem); });
        return f.prefix + name;
    }

    private static boolean isLinear(String activation) { return activation.equals("none") || activation.equals("linear"); }

    private static Value.Tensor activate(Emitter e, String activation, Value.Tensor h, String name, SourceSpan span) {
        return Activations.apply(e, activation, h, name, span);
    }

}
