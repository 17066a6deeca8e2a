package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/** The op-level builtin functions; layers (which create parameters) live in {@link Layers}. */
final class Builtins {
    private Builtins() {}

    private static final Set<String> OPS = Set.of("matmul", "conv2d", "max_pool", "maximum", "minimum", "softmax", "log_softmax", "mean", "sum", "argmax", "reshape",
            "flatten", "transpose", "one_hot", "dropout", "dense", "batch_norm", "layer_norm", "avg_pool", "concat", "add", "slice");

    /** Every builtin function name: ops, layers, activations, losses and regularizers. */
    static final Set<String> NAMES = union(OPS, Activations.FUNCTIONS, Losses.NAMES, Regularizers.NAMES);

    @SafeVarargs
    private static Set<String> union(Set<String> first, List<String>... more) {
        Set<String> all = new java.util.HashSet<>(first);
        for (List<String> m : more) all.addAll(m);
        return Set.copyOf(all);
    }

    /** Evaluates a builtin call; {@code name} is the graph name for its result (or null). */
    static Value call(Elaborator el, Frame f, Ast.Call call, List<Value> values, String name) {
        Emitter e = el.emitter();
        var unknown = el.unknownName(f);
        String fn = call.callee().name();
        SourceSpan span = call.span();
        if (Activations.FUNCTIONS.contains(fn)) return Activations.call(e, fn, Args.bind(call, values, unknown, Activations.parameters(fn)), name);
        if (Losses.NAMES.contains(fn)) return Losses.call(e, fn, Args.bind(call, values, unknown, Losses.parameters(fn)), name);
        if (Regularizers.NAMES.contains(fn)) return Regularizers.call(e, call, values, unknown, name);
        return switch (fn) {
            case "batch_norm" -> BatchNorm.layer(e, f, Args.bind(call, values, unknown, BatchNorm.PARAMS), name);
            case "layer_norm" -> LayerNorm.layer(e, f, Args.bind(call, values, unknown, LayerNorm.PARAMS), name);
            case "avg_pool" -> LayoutLayers.avgPool(e, f, Args.bind(call, values, unknown, "x", "size?", "stride?", "padding?", "name?"), name);
            case "concat" -> LayoutLayers.concat(e, f, Args.bind(call, values, unknown, "values", "axis?", "name?"), name);
            case "add" -> LayoutLayers.add(e, f, Args.bind(call, values, unknown, "a", "b", "name?"), name);
            case "slice" -> LayoutLayers.slice(e, Args.bind(call, values, unknown, "x", "axis", "start?", "end?"), name);
            case "matmul" -> {
                Args a = Args.bind(call, values, unknown, "a", "b", "transpose_a?", "transpose_b?");
                yield e.add(new Op.MatMul(a.bool("transpose_a", false), a.bool("transpose_b", false)), name, span,
                        a.tensor("a"), a.tensor("b"));
            }
            case "conv2d" -> isConvOp(call, values)
                    ? convOp(e, Args.bind(call, values, unknown, "x", "w", "stride?", "padding?"), name)
                    : Layers.conv2d(e, f, Args.bind(call, values, unknown, Layers.CONV2D), name);
            case "dense" -> Layers.dense(e, f, Args.bind(call, values, unknown, Layers.DENSE), name);
            case "max_pool" -> Layers.maxPool(e, f, Args.bind(call, values, unknown, "x", "size?", "stride?", "padding?", "name?"), name);
            case "flatten" -> Layers.flatten(e, f, Args.bind(call, values, unknown, "x", "name?"), name);
            case "dropout" -> Layers.dropout(e, f, Args.bind(call, values, unknown, "x", "rate", "name?"), name);
            case "maximum", "minimum" -> {
                Args a = Args.bind(call, values, unknown, "a", "b");
                yield el.arithmetic(f, fn.equals("maximum") ? BinaryFn.MAX : BinaryFn.MIN, a.value("a"), a.value("b"), name, span, fn);
            }
            case "softmax", "log_softmax" -> {
                Args a = Args.bind(call, values, unknown, "x", "axis?");
                Value.Tensor x = a.tensor("x");
                int axis = axis(a, "axis", x.type().shape(), -1);
                yield e.add(fn.equals("softmax") ? new Op.Softmax(axis) : new Op.LogSoftmax(axis), name, span, x);
            }
            case "argmax" -> {
                Args a = Args.bind(call, values, unknown, "x", "axis?");
                Value.Tensor x = a.tensor("x");
                yield e.add(new Op.Argmax(axis(a, "axis", x.type().shape(), -1)), name, span, x);
            }
            case "mean", "sum" -> {
                Args a = Args.bind(call, values, unknown, "x", "axis?", "keep_dims?");
                Value.Tensor x = a.tensor("x");
                List<Integer> axes = a.has("axis") ? axes(a, x.type().shape()) : IntStream.range(0, x.type().rank()).boxed().toList();
                yield e.add(new Op.Reduce(fn.equals("mean") ? ReduceFn.MEAN : ReduceFn.SUM, axes, a.bool("keep_dims", false)),
                        name, span, x);
            }
            case "reshape" -> {
                Args a = Args.bind(call, values, unknown, "x", "shape");
                Value.Tensor x = a.tensor("x");
                yield e.add(new Op.Reshape(reshapeTarget(a, x.type().shape(), el.symbol())), name, span, x);
            }
            case "transpose" -> {
                Args a = Args.bind(call, values, unknown, "x", "perm?");
                Value.Tensor x = a.tensor("x");
                List<Integer> perm = a.has("perm") ? a.intList("perm")
                        : IntStream.range(0, x.type().rank()).map(i -> x.type().rank() - 1 - i).boxed().toList();
                yield e.add(new Op.Transpose(perm), name, span, x);
            }
            case "one_hot" -> {
                Args a = Args.bind(call, values, unknown, "labels", "depth");
                Value.Tensor y = a.tensor("labels");
                yield e.add(new Op.OneHot(a.positiveInt("depth", 1)), name, span, y);
            }
            default -> throw new IllegalStateException("builtin without implementation: " + fn);
        };
    }

    /** conv2d(x, w, ...) is the op; conv2d(x, filters=..., ...) is the layer. */
    private static boolean isConvOp(Ast.Call call, List<Value> values) {
        for (int i = 0; i < call.args().size(); i++) {
            Ast.Arg arg = call.args().get(i);
            if (arg.name() != null && arg.name().name().equals("w")) return true;
            if (i == 1 && arg.name() == null) return values.get(i) instanceof Value.Tensor;
        }
        return false;
    }

    private static Value convOp(Emitter e, Args a, String name) {
        Value.Tensor x = a.tensor("x"), w = a.tensor("w");
        int stride = a.positiveInt("stride", 1);
        Shape xs = x.type().shape(), ws = w.type().shape();
        Padding padding = padding(a, xs, ws.rank() == 4 ? ws.dims().get(2) : Dim.of(1), ws.rank() == 4 ? ws.dims().get(3) : Dim.of(1), stride, true);
        return e.add(new Op.Conv2d(stride, padding), name, a.span(), x, w);
    }

    /** valid | same | INT | [top, bottom, left, right]; "same" needs a known spatial size. */
    static Padding padding(Args a, Shape input, Dim kh, Dim kw, int stride, boolean explicitAllowed) {
        if (!a.has("padding")) return Padding.NONE;
        Value v = a.value("padding");
        if (explicitAllowed && v instanceof Value.Num || explicitAllowed && v instanceof Value.ListV) {
            List<Integer> p = a.intList("padding");
            if (p.stream().anyMatch(i -> i < 0)) throw a.error("padding", "padding must not be negative, got " + p);
            if (p.size() == 1) return Padding.uniform(p.getFirst());
            if (p.size() == 4) return new Padding(p.get(0), p.get(1), p.get(2), p.get(3));
            throw a.error("padding", "padding list must be [top, bottom, left, right], got " + p);
        }
        String word = explicitAllowed ? a.word("padding", "valid", "valid", "same", "an integer", "[top, bottom, left, right]")
                : a.word("padding", "valid", "valid", "same");
        if (word.equals("valid")) return Padding.NONE;
        if (input.rank() != 4 || !input.dim(2).isKnown() || !input.dim(3).isKnown() || !kh.isKnown() || !kw.isKnown())
            return Padding.NONE; // the op's shape rule reports the real problem
        return Padding.same(input.size(2), input.size(3), ((Dim.Known) kh).size(), ((Dim.Known) kw).size(), stride);
    }

    /** Resolves a possibly negative axis against a shape. */
    static int axis(Args a, String arg, Shape shape, int fallback) {
        int axis = a.integer(arg, fallback);
        int resolved = axis < 0 ? axis + shape.rank() : axis;
        if (resolved < 0 || resolved >= shape.rank())
            throw a.error(arg, "axis " + axis + " out of range for " + shape);
        return resolved;
    }

    private static List<Integer> axes(Args a, Shape shape) {
        List<Integer> out = new ArrayList<>();
        for (int axis : a.intList("axis")) {
            int r = axis < 0 ? axis + shape.rank() : axis;
            if (r < 0 || r >= shape.rank()) throw a.error("axis", "axis " + axis + " out of range for " + shape);
            if (out.contains(r)) throw a.error("axis", "axis " + axis + " given twice");
            out.add(r);
        }
        return out.stream().sorted().toList();
    }

    private static Shape reshapeTarget(Args a, Shape from, Optional<String> symbol) {
        Value v = a.value("shape");
        if (!(v instanceof Value.ListV list)) throw a.error("shape", "shape must be a list such as [B, 784], got " + Value.describe(v));
        List<Dim> dims = new ArrayList<>();
        int inferred = -1;
        for (Value item : list.items()) {
            switch (item) {
                case Value.Poison p -> throw Poisoned.INSTANCE;
                case Value.Num n when n.isInt() && n.value() == -1 -> {
                    if (inferred >= 0) throw a.error("shape", "only one dimension may be -1");
                    inferred = dims.size();
                    dims.add(Dim.of(1));
                }
                case Value.Num n when n.isInt() && n.value() > 0 -> dims.add(Dim.of((int) n.value()));
                case Value.Word w when symbol.isPresent() && symbol.get().equals(w.name()) -> dims.add(Dim.sym(w.name()));
                case Value.Word w -> throw a.error("shape", "unknown dimension '" + w.name() + "'"
                        + symbol.map(s -> " (the batch dimension is '" + s + "')").orElse(""));
                default -> throw a.error("shape", "dimensions must be positive integers, the batch symbol or -1, got "
                        + Value.describe(item));
            }
        }
        Shape target = new Shape(dims);
        if (inferred < 0) return target;
        int inferredIndex = inferred;
        Optional<Shape.Volume> rest = from.volume().divide(target.volume());
        Dim d = rest.flatMap(Builtins::asDim).orElseThrow(() -> a.error("shape",
                "cannot infer the -1 dimension reshaping " + from + " to " + target.with(inferredIndex, Dim.sym("-1"))));
        return target.with(inferred, d);
    }

    private static Optional<Dim> asDim(Shape.Volume v) {
        if (v.symbols().isEmpty()) return v.known() <= Integer.MAX_VALUE ? Optional.of(Dim.of((int) v.known())) : Optional.empty();
        if (v.known() == 1 && v.symbols().size() == 1 && v.symbols().values().iterator().next() == 1)
            return Optional.of(Dim.sym(v.symbols().keySet().iterator().next()));
        return Optional.empty();
    }
}
