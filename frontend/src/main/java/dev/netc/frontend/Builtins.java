package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The one table of builtin functions: every op, layer, activation, loss and regularizer is one
 * {@link Builtin} entry carrying its name, its parameters (in {@link Args} spec form: {@code "stride?"}
 * is optional) and its lowering. {@link #NAMES}, "did you mean" suggestions, the "unknown argument"
 * diagnostics and the elaborator's dispatch all read this table, so a new builtin is one entry here
 * (activations: one entry in {@link Activations#TABLE}, which also serves {@code activation=}). The
 * lowerings of layers, losses and regularizers live with their helpers in {@link Layers},
 * {@link LayoutLayers}, {@link BatchNorm}, {@link LayerNorm}, {@link Losses} and {@link Regularizers}.
 */
final class Builtins {
    private Builtins() {}

    /** What an entry is; documentation for readers of the table (dispatch is by name alone). */
    enum Kind { OP, LAYER, ACTIVATION, LOSS, REGULARIZER }

    /** What a lowering sees besides its bound arguments: the elaborator, the frame and the result's graph name (or null). */
    record Site(Elaborator elaborator, Frame frame, String name) {
        Emitter emitter() { return elaborator.emitter(); }
    }

    /** How a call, its arguments bound to the entry's parameters, becomes a value (usually IR nodes). */
    interface Lowering {
        Value lower(Site site, Args a);
    }

    /** Decides, before binding, whether a call takes an entry's second form. */
    interface Selector {
        boolean test(Ast.Call call, List<Value> values);
    }

    /**
     * A second form of a builtin's name, taken when {@code when} holds: conv2d's op form
     * {@code conv2d(x, w, ...)} beside the layer {@code conv2d(x, filters, size, ...)}, and a
     * regularizer's penalty on a tensor {@code l2(w, 1e-4)} beside the value {@code l2(1e-4)}.
     */
    record Variant(Selector when, List<String> parameters, Lowering lowering) {
        Variant {
            parameters = List.copyOf(parameters);
        }
    }

    /**
     * One builtin function.
     *
     * @param name       its spelling
     * @param kind       op, layer, activation, loss or regularizer
     * @param parameters its parameters in {@link Args} spec form ({@code "axis?"} is optional)
     * @param lowering   how a call becomes IR
     * @param variant    a second form of the same name, or null
     */
    record Builtin(String name, Kind kind, List<String> parameters, Lowering lowering, Variant variant) {
        Builtin {
            parameters = List.copyOf(parameters);
        }

        Builtin(String name, Kind kind, List<String> parameters, Lowering lowering) {
            this(name, kind, parameters, lowering, null);
        }

        /** The parameter lists of its forms: the entry's own, then the variant's. */
        List<List<String>> signatures() {
            return variant == null ? List.of(parameters) : List.of(parameters, variant.parameters());
        }
    }

    private static final List<String> POOL = List.of("x", "size?", "stride?", "padding?", "name?");

    /** Every builtin function. */
    static final List<Builtin> TABLE = Stream.of(Stream.of(
            // ops
            new Builtin("matmul", Kind.OP, List.of("a", "b", "transpose_a?", "transpose_b?"), Builtins::matmul),
            new Builtin("maximum", Kind.OP, List.of("a", "b"), (s, a) -> elementwise(s, a, BinaryFn.MAX)),
            new Builtin("minimum", Kind.OP, List.of("a", "b"), (s, a) -> elementwise(s, a, BinaryFn.MIN)),
            new Builtin("softmax", Kind.OP, List.of("x", "axis?"), (s, a) -> lastAxis(s, a, Op.Softmax::new)),
            new Builtin("log_softmax", Kind.OP, List.of("x", "axis?"), (s, a) -> lastAxis(s, a, Op.LogSoftmax::new)),
            new Builtin("argmax", Kind.OP, List.of("x", "axis?"), (s, a) -> lastAxis(s, a, Op.Argmax::new)),
            new Builtin("mean", Kind.OP, List.of("x", "axis?", "keep_dims?"), (s, a) -> reduce(s, a, ReduceFn.MEAN)),
            new Builtin("sum", Kind.OP, List.of("x", "axis?", "keep_dims?"), (s, a) -> reduce(s, a, ReduceFn.SUM)),
            new Builtin("reshape", Kind.OP, List.of("x", "shape"), Builtins::reshape),
            new Builtin("transpose", Kind.OP, List.of("x", "perm?"), Builtins::transpose),
            new Builtin("one_hot", Kind.OP, List.of("labels", "depth"), Builtins::oneHot),
            new Builtin("slice", Kind.OP, List.of("x", "axis", "start?", "end?"), emitting(LayoutLayers::slice)),
            // layers
            new Builtin("dense", Kind.LAYER, List.of("x", "units", "activation?", "use_bias?", "kernel_init?", "bias_init?", "name?",
                    "kernel_regularizer?", "bias_regularizer?"), layer(Layers::dense)),
            new Builtin("conv2d", Kind.LAYER, List.of("x", "filters", "size", "stride?", "padding?", "activation?", "use_bias?",
                    "kernel_init?", "bias_init?", "name?", "kernel_regularizer?", "bias_regularizer?"), layer(Layers::conv2d),
                    new Variant(Builtins::isConvOp, List.of("x", "w", "stride?", "padding?"), Builtins::convOp)),
            new Builtin("max_pool", Kind.LAYER, POOL, layer(Layers::maxPool)),
            new Builtin("avg_pool", Kind.LAYER, POOL, layer(LayoutLayers::avgPool)),
            new Builtin("flatten", Kind.LAYER, List.of("x", "name?"), layer(Layers::flatten)),
            new Builtin("dropout", Kind.LAYER, List.of("x", "rate", "name?"), layer(Layers::dropout)),
            new Builtin("batch_norm", Kind.LAYER, List.of("x", "momentum?", "epsilon?", "center?", "scale?", "name?"), layer(BatchNorm::layer)),
            new Builtin("layer_norm", Kind.LAYER, List.of("x", "epsilon?", "name?"), layer(LayerNorm::layer)),
            new Builtin("concat", Kind.LAYER, List.of("values", "axis?", "name?"), layer(LayoutLayers::concat)),
            new Builtin("add", Kind.LAYER, List.of("a", "b", "name?"), layer(LayoutLayers::add)),
            new Builtin("embedding", Kind.LAYER, List.of("ids", "vocab", "dim", "embeddings_init?", "name?"), layer(Embedding::layer)),
            new Builtin("simple_rnn", Kind.LAYER, Recurrent.PARAMETERS, layer(Recurrent::simpleRnn)),
            new Builtin("lstm", Kind.LAYER, Recurrent.PARAMETERS, layer(Recurrent::lstm)),
            new Builtin("gru", Kind.LAYER, Recurrent.PARAMETERS, layer(Recurrent::gru)),
            new Builtin("bidirectional", Kind.LAYER, Recurrent.BIDIRECTIONAL_PARAMETERS, layer(Recurrent::bidirectional)),
            // losses (the first parameter is the prediction)
            new Builtin("softmax_cross_entropy", Kind.LOSS, List.of("logits", "labels", "reduction?"),
                    (s, a) -> Losses.softmaxCrossEntropy(s.emitter(), a, s.name(), "logits")),
            new Builtin("categorical_cross_entropy", Kind.LOSS, List.of("probs", "labels", "from_logits?", "reduction?"),
                    emitting(Losses::categoricalCrossEntropy)),
            new Builtin("nll", Kind.LOSS, List.of("log_probs", "labels", "reduction?"), emitting(Losses::nll)),
            new Builtin("sigmoid_cross_entropy", Kind.LOSS, List.of("logits", "labels", "reduction?"), emitting(Losses::sigmoidCrossEntropy)),
            new Builtin("mse", Kind.LOSS, List.of("predictions", "targets", "reduction?"), emitting(Losses::meanSquaredError)),
            new Builtin("mean_squared_error", Kind.LOSS, List.of("predictions", "targets", "reduction?"), emitting(Losses::meanSquaredError)),
            // regularizers
            regularizer("l1", List.of("scale?"), Regularizers::l1),
            regularizer("l2", List.of("scale?"), Regularizers::l2),
            regularizer("l1_l2", List.of("l1?", "l2?"), Regularizers::l1l2)),
            // activations usable as functions, from their own table
            Activations.TABLE.stream().filter(Activations.Entry::function).map(Builtins::activation)).flatMap(Function.identity()).toList();

    private static final Map<String, Builtin> BY_NAME = TABLE.stream().collect(Collectors.toMap(Builtin::name, Function.identity(),
            (x, y) -> { throw new IllegalStateException("builtin '" + x.name() + "' has two entries"); }, LinkedHashMap::new));

    /** Every builtin function name, in table order. */
    static final Set<String> NAMES = Collections.unmodifiableSet(BY_NAME.keySet());

    /** The entry of a builtin function. */
    static Optional<Builtin> lookup(String name) { return Optional.ofNullable(BY_NAME.get(name)); }

    /** Evaluates a builtin call; {@code name} is the graph name for its result (or null). */
    static Value call(Elaborator el, Frame f, Ast.Call call, List<Value> values, String name) {
        Builtin b = BY_NAME.get(call.callee().name());
        if (b == null) throw new IllegalStateException("not a builtin: " + call.callee().name());
        boolean second = b.variant() != null && b.variant().when().test(call, values);
        List<String> parameters = second ? b.variant().parameters() : b.parameters();
        Args a = Args.bind(call, values, el.unknownName(f), parameters.toArray(String[]::new));
        return (second ? b.variant().lowering() : b.lowering()).lower(new Site(el, f, name), a);
    }

    /** A lowering that creates parameters or a summary row (it needs the frame). */
    private interface LayerLowering {
        Value lower(Emitter e, Frame f, Args a, String name);
    }

    /** A lowering that only emits nodes. */
    private interface EmittingLowering {
        Value lower(Emitter e, Args a, String name);
    }

    private static Lowering layer(LayerLowering fn) { return (s, a) -> fn.lower(s.emitter(), s.frame(), a, s.name()); }

    private static Lowering emitting(EmittingLowering fn) { return (s, a) -> fn.lower(s.emitter(), a, s.name()); }

    /** An activation function: x, then the entry's own parameters. */
    private static Builtin activation(Activations.Entry entry) {
        List<String> parameters = new ArrayList<>(List.of("x"));
        parameters.addAll(entry.parameters());
        return new Builtin(entry.name(), Kind.ACTIVATION, parameters, (s, a) -> Activations.call(s.emitter(), entry, a, s.name()));
    }

    /** l2(1e-4) is the regularizer value; l2(w, 1e-4), on a tensor, is its penalty. */
    private static Builtin regularizer(String name, List<String> parameters, Function<Args, Value.RegularizerV> value) {
        List<String> onTensor = new ArrayList<>(List.of("x"));
        onTensor.addAll(parameters);
        return new Builtin(name, Kind.REGULARIZER, parameters, (s, a) -> value.apply(a),
                new Variant(Regularizers::onTensor, onTensor, (s, a) -> Regularizers.penalty(s.emitter(), value.apply(a), a, s.name())));
    }

    private static Value matmul(Site s, Args a) {
        return s.emitter().add(new Op.MatMul(a.bool("transpose_a", false), a.bool("transpose_b", false)), s.name(), a.span(),
                a.tensor("a"), a.tensor("b"));
    }

    private static Value elementwise(Site s, Args a, BinaryFn fn) {
        return s.elaborator().arithmetic(s.frame(), fn, a.value("a"), a.value("b"), s.name(), a.span(), a.function());
    }

    /** softmax, log_softmax and argmax: along axis (default -1). */
    private static Value lastAxis(Site s, Args a, java.util.function.IntFunction<Op> op) {
        Value.Tensor x = a.tensor("x");
        int axis = axis(a, "axis", x.type().shape(), -1);
        return s.emitter().add(op.apply(axis), s.name(), a.span(), x);
    }

    private static Value reduce(Site s, Args a, ReduceFn fn) {
        Value.Tensor x = a.tensor("x");
        List<Integer> axes = a.has("axis") ? axes(a, x.type().shape()) : IntStream.range(0, x.type().rank()).boxed().toList();
        return s.emitter().add(new Op.Reduce(fn, axes, a.bool("keep_dims", false)), s.name(), a.span(), x);
    }

    private static Value reshape(Site s, Args a) {
        Value.Tensor x = a.tensor("x");
        return s.emitter().add(new Op.Reshape(reshapeTarget(a, x.type().shape(), s.elaborator().symbol())), s.name(), a.span(), x);
    }

    private static Value transpose(Site s, Args a) {
        Value.Tensor x = a.tensor("x");
        List<Integer> perm = a.has("perm") ? a.intList("perm")
                : IntStream.range(0, x.type().rank()).map(i -> x.type().rank() - 1 - i).boxed().toList();
        return s.emitter().add(new Op.Transpose(perm), s.name(), a.span(), x);
    }

    private static Value oneHot(Site s, Args a) {
        Value.Tensor y = a.tensor("labels");
        return s.emitter().add(new Op.OneHot(a.positiveInt("depth", 1)), s.name(), a.span(), y);
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

    private static Value convOp(Site s, Args a) {
        Value.Tensor x = a.tensor("x"), w = a.tensor("w");
        int stride = a.positiveInt("stride", 1);
        Shape xs = x.type().shape(), ws = w.type().shape();
        Padding padding = padding(a, xs, ws.rank() == 4 ? ws.dims().get(2) : Dim.of(1), ws.rank() == 4 ? ws.dims().get(3) : Dim.of(1), stride, true);
        return s.emitter().add(new Op.Conv2d(stride, padding), s.name(), a.span(), x, w);
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
