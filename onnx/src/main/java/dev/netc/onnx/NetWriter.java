package dev.netc.onnx;

import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.runtime.checkpoint.TensorData;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The .net source an import writes, statement by statement, and the weights that go with it: unique,
 * valid names for variables and layers, number and shape spelling.
 */
final class NetWriter {
    /** Words a variable must not shadow: keywords, builtins and the bare words arguments use. */
    private static final Set<String> RESERVED = Set.of("model", "block", "train", "input", "param", "frozen", "output", "return",
            "dense", "conv2d", "max_pool", "avg_pool", "flatten", "dropout", "batch_norm", "layer_norm", "add", "concat", "reshape",
            "transpose", "softmax", "log_softmax", "mean", "sum", "argmax", "slice", "matmul", "maximum", "minimum", "one_hot",
            "relu", "sigmoid", "tanh", "softplus", "leaky_relu", "elu", "gelu", "silu", "swish", "hard_sigmoid", "mish", "exp",
            "log", "sqrt", "square", "abs", "erf", "linear", "none", "same", "valid", "zeros", "ones", "constant", "normal",
            "truncated_normal", "uniform", "glorot_uniform", "he_normal", "values", "true", "false", "loss", "B");

    private final StringBuilder body = new StringBuilder();
    private final Set<String> names = new HashSet<>();
    private final Set<String> layers = new HashSet<>();
    private final Map<String, TensorData> weights = new LinkedHashMap<>();

    /** A fresh variable name made from {@code hint} (any text), never a reserved word. */
    String variable(String hint) {
        String base = sanitize(hint);
        // a reserved word is numbered from 1 (relu_1, add_1) rather than shadowing the builtin
        return RESERVED.contains(base) ? unique(names, base, 1) : unique(names, base, 0);
    }

    /** A fresh layer name made from {@code hint}; its parameters are {@code NAME/kernel}, ... */
    String layer(String hint) {
        return unique(layers, sanitize(hint), 0);
    }

    void statement(String text) {
        body.append("  ").append(text).append('\n');
    }

    void weight(String name, int[] shape, float[] values) {
        if (weights.put(name, TensorData.f32(shape, values)) != null) throw new IllegalStateException("two weights named " + name);
    }

    Map<String, TensorData> weights() { return weights; }

    String source(String header, String modelName) {
        return header + "model " + modelName + " {\n" + body + "}\n";
    }

    static String type(TensorType t) {
        return t.dtype().spelling() + shape(t.shape());
    }

    static String shape(Shape s) {
        return s.dims().stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    static String ints(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A number as .net reads it back to the same float: the shortest decimal of the f32 value. */
    static String number(double v) {
        float f = (float) v;
        if (f == Math.rint(f) && Math.abs(f) < 1e9) return Long.toString((long) f);
        return Float.toString(f).toLowerCase(Locale.ROOT);
    }

    static boolean isFloat(DType d) { return d.isFloat(); }

    /** Letters, digits and underscores; starts with a letter. */
    static String sanitize(String hint) {
        String s = hint.replaceAll("[^A-Za-z0-9_]+", "_").replaceAll("_+", "_").replaceAll("^_|_$", "");
        if (s.isEmpty()) s = "v";
        if (!Character.isLetter(s.charAt(0))) s = "v" + s;
        return s;
    }

    private static String unique(Set<String> used, String base, int from) {
        String name = from == 0 ? base : base + "_" + from;
        for (int i = from + 1; !used.add(name); i++) name = base + "_" + i;
        return name;
    }
}
