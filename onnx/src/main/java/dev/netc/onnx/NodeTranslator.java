package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.onnx.OnnxImporter.Const;
import dev.netc.onnx.OnnxImporter.Value;
import dev.netc.onnx.OnnxImporter.Var;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX node (or a layer pattern starting at it) as .net statements. The result type of each
 * statement comes from the netc op's own shape rule, so what the importer writes is what netc will
 * check; an op or attribute netc cannot express is an {@link InteropException} naming the node.
 */
final class NodeTranslator {
    /** ONNX activations a conv2d or dense layer takes as {@code activation=}. */
    private static final Map<String, String> LAYER_ACTIVATIONS = Map.of("Relu", "relu", "Sigmoid", "sigmoid", "Tanh", "tanh", "Softplus", "softplus");
    private static final Map<String, String> UNARY = Map.ofEntries(Map.entry("Relu", "relu"), Map.entry("Sigmoid", "sigmoid"),
            Map.entry("Tanh", "tanh"), Map.entry("Exp", "exp"), Map.entry("Log", "log"), Map.entry("Sqrt", "sqrt"), Map.entry("Abs", "abs"),
            Map.entry("Erf", "erf"), Map.entry("Softplus", "softplus"), Map.entry("Mish", "mish"));
    private static final Map<String, String> BINARY = Map.of("Add", "+", "Sub", "-", "Mul", "*", "Div", "/");
    static final Set<String> SUPPORTED = Set.of("Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Max", "Min", "Relu", "Sigmoid",
            "Tanh", "Exp", "Log", "Sqrt", "Abs", "Erf", "Softplus", "Mish", "Neg", "LeakyRelu", "Elu", "Gelu", "HardSigmoid", "Softmax",
            "LogSoftmax", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "BatchNormalization", "LayerNormalization", "Dropout",
            "Identity", "Concat", "Transpose", "Constant", "ReduceMean", "ReduceSum", "ReduceMax", "Slice", "ArgMax", "Cast", "OneHot",
            "Shape", "Gather", "Unsqueeze", "Squeeze");

    private final NetWriter out;
    private final Map<String, Value> values;
    private final Map<String, Integer> uses;
    private final Set<String> graphOutputs;
    private final int opset;
    private final LayerTranslator layers;

    NodeTranslator(NetWriter out, Map<String, Value> values, Map<String, Integer> uses, Set<String> graphOutputs, int opset) {
        this.out = out;
        this.values = values;
        this.uses = uses;
        this.graphOutputs = graphOutputs;
        this.opset = opset;
        this.layers = new LayerTranslator(this, out);
    }

    /** Translates node {@code i}; returns how many following nodes it took along (a fused activation). */
    int translate(List<OnnxMl.NodeProto> nodes, int i) {
        OnnxMl.NodeProto n = nodes.get(i);
        NodeAttributes a = new NodeAttributes(n);
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx"))
            throw a.error("operator domain '" + n.getDomain() + "' is not supported (netc imports the standard ai.onnx operators)");
        String activation = null;
        if ((n.getOpType().equals("Conv") || n.getOpType().equals("Gemm")) && i + 1 < nodes.size()) {
            OnnxMl.NodeProto next = nodes.get(i + 1);
            String result = n.getOutput(0);
            if (LAYER_ACTIVATIONS.containsKey(next.getOpType()) && next.getInputCount() == 1 && next.getInput(0).equals(result)
                    && uses.getOrDefault(result, 0) == 1 && !graphOutputs.contains(result))
                activation = LAYER_ACTIVATIONS.get(next.getOpType());
        }
        String result = activation == null ? n.getOutput(0) : nodes.get(i + 1).getOutput(0);
        int gelu = Patterns.gelu(nodes, i, values, uses, graphOutputs);
        if (gelu > 0) {
            Var x = var(a, 0);
            bindValue(nodes.get(i + gelu).getOutput(0), "gelu", "gelu(" + x.name() + ")", x.type());
            return gelu;
        }
        if (n.getOpType().equals("Sigmoid") && i + 1 < nodes.size() && isSilu(n, nodes.get(i + 1))) {
            Var x = var(a, 0);
            bindValue(nodes.get(i + 1).getOutput(0), "silu", "silu(" + x.name() + ")", x.type());
            return 1;
        }
        if (n.getInputCount() > 0 && n.getOutputCount() == 1 && n.getInputList().stream().allMatch(in -> values.get(in) instanceof Const)) {
            OnnxTensors.Constant[] in = n.getInputList().stream().map(v -> ((Const) values.get(v)).tensor()).toArray(OnnxTensors.Constant[]::new);
            OnnxTensors.Constant folded = ConstantFolder.fold(a, in);
            if (folded != null) {
                values.put(n.getOutput(0), new Const(folded));
                return 0;
            }
        }
        switch (n.getOpType()) {
            case "Conv" -> layers.conv(a, result, activation);
            case "Gemm" -> layers.gemm(a, result, activation);
            case "BatchNormalization" -> layers.batchNorm(a);
            case "LayerNormalization" -> layers.layerNorm(a);
            case "MatMul" -> layers.matmul(a);
            case "MaxPool", "AveragePool" -> layers.pool(a);
            case "Add", "Sub", "Mul", "Div" -> binary(a);
            case "Max", "Min" -> binary(a);
            case "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Erf", "Softplus", "Mish" -> {
                Var x = var(a, 0);
                bind(a, 0, UNARY.get(n.getOpType()) + "(" + x.name() + ")", x.type());
            }
            case "Neg" -> bind(a, 0, "-" + var(a, 0).name(), var(a, 0).type());
            case "LeakyRelu" -> bind(a, 0, "leaky_relu(" + var(a, 0).name() + ", alpha=" + NetWriter.number(a.real("alpha", 0.01)) + ")", var(a, 0).type());
            case "Elu" -> bind(a, 0, "elu(" + var(a, 0).name() + ", alpha=" + NetWriter.number(a.real("alpha", 1)) + ")", var(a, 0).type());
            case "Gelu" -> {
                String approximate = a.text("approximate", "none");
                if (!approximate.equals("none") && !approximate.equals("tanh")) throw a.error("approximate='" + approximate + "' is not supported");
                bind(a, 0, "gelu(" + var(a, 0).name() + (approximate.equals("tanh") ? ", approximate=tanh" : "") + ")", var(a, 0).type());
            }
            case "HardSigmoid" -> {
                if ((float) a.real("alpha", 0.2) != 0.2f || (float) a.real("beta", 0.5) != 0.5f)
                    throw a.error("alpha=" + a.real("alpha", 0.2) + ", beta=" + a.real("beta", 0.5) + " is not supported (netc's hard_sigmoid is 0.2 x + 0.5)");
                bind(a, 0, "hard_sigmoid(" + var(a, 0).name() + ")", var(a, 0).type());
            }
            case "Softmax", "LogSoftmax" -> {
                Var x = var(a, 0);
                int axis = axis(a, (int) a.integer("axis", -1), x.type().rank());
                String fn = n.getOpType().equals("Softmax") ? "softmax" : "log_softmax";
                bind(a, 0, fn + "(" + x.name() + ", axis=" + axis + ")", x.type());
            }
            case "GlobalAveragePool" -> {
                Var x = var(a, 0);
                if (x.type().rank() != 4) throw a.error("input must be [N, C, H, W], got " + x.type());
                bind(a, 0, "mean(" + x.name() + ", axis=[2, 3], keep_dims=true)", type(a, new Op.Reduce(ReduceFn.MEAN, List.of(2, 3), true), x.type()));
            }
            case "ReduceMean", "ReduceSum", "ReduceMax" -> reduce(a);
            case "Slice" -> slice(a);
            case "Gather", "Unsqueeze", "Squeeze" -> throw a.error("supported on integer constants (shape arithmetic) only; this input is a computed tensor");
            case "Shape" -> {
                if (a.integer("start", 0) != 0 || a.has("end")) throw a.error("start and end attributes are not supported");
                values.put(a.node().getOutput(0), new Const(ConstantFolder.shapeOf(a.node().getOutput(0), var(a, 0).type().shape())));
            }
            case "ArgMax" -> {
                Var x = var(a, 0);
                int axis = axis(a, (int) a.integer("axis", 0), x.type().rank());
                a.require("keepdims", 0, "netc's argmax drops the axis");
                a.require("select_last_index", 0, "netc's argmax takes the first maximum");
                bind(a, 0, "argmax(" + x.name() + ", axis=" + axis + ")", type(a, new Op.Argmax(axis), x.type()));
            }
            case "Cast" -> {
                // netc has one float type and one integer type: a cast within a kind is the identity, across kinds it is not netc's
                Var x = var(a, 0);
                long to = a.integer("to", 0);
                boolean toFloat = to == OnnxMl.TensorProto.DataType.FLOAT_VALUE;
                boolean toInt = to == OnnxMl.TensorProto.DataType.INT32_VALUE || to == OnnxMl.TensorProto.DataType.INT64_VALUE;
                if (!(toFloat && x.type().dtype() == DType.F32 || toInt && x.type().dtype() == DType.I32))
                    throw a.error("a cast of " + x.type() + " to " + OnnxTensors.dataTypeName((int) to) + " is not supported");
                values.put(a.node().getOutput(0), x);
            }
            case "OneHot" -> {
                Var indices = var(a, 0);
                OnnxTensors.Constant depth = constant(a, 1), onOff = constant(a, 2);
                if (depth.longs() == null || depth.count() != 1) throw a.error("depth must be one integer constant");
                if (!onOff.isFloat() || onOff.count() != 2 || onOff.floats()[0] != 0 || onOff.floats()[1] != 1)
                    throw a.error("values must be the floats [0, 1]");
                if (axis(a, (int) a.integer("axis", -1), indices.type().rank() + 1) != indices.type().rank())
                    throw a.error("only the last axis (axis=-1) is supported");
                int d = (int) depth.longs()[0];
                bind(a, 0, "one_hot(" + indices.name() + ", " + d + ")", type(a, new Op.OneHot(d), indices.type()));
            }
            case "Flatten" -> {
                Var x = var(a, 0);
                long axis = a.integer("axis", 1);
                if (axis != 1 || x.type().rank() < 2) throw a.error("axis=" + axis + " on " + x.type() + " is not supported (netc's flatten keeps axis 0)");
                Shape s = x.type().shape();
                int rest = 1;
                for (int d = 1; d < s.rank(); d++) rest *= s.size(d);
                bind(a, 0, "flatten(" + x.name() + ")", x.type().withShape(Shape.of(s.dim(0), Dim.of(rest))));
            }
            case "Reshape" -> reshape(a);
            case "Transpose" -> {
                Var x = var(a, 0);
                List<Integer> perm = a.ints("perm", null) == null ? null : a.ints("perm", List.of()).stream().map(Long::intValue).toList();
                if (perm == null) perm = java.util.stream.IntStream.range(0, x.type().rank()).map(d -> x.type().rank() - 1 - d).boxed().toList();
                bind(a, 0, "transpose(" + x.name() + ", perm=" + NetWriter.ints(perm) + ")", type(a, new Op.Transpose(perm), x.type()));
            }
            case "Concat" -> {
                List<Var> xs = new ArrayList<>();
                for (int k = 0; k < n.getInputCount(); k++) xs.add(var(a, k));
                int axis = axis(a, (int) a.integer("axis", 0), xs.getFirst().type().rank());
                bind(a, 0, "concat([" + String.join(", ", xs.stream().map(Var::name).toList()) + "]"
                        + ", axis=" + axis + ")", type(a, new Op.Concat(axis), xs.stream().map(Var::type).toArray(TensorType[]::new)));
            }
            case "Dropout", "Identity" -> {
                for (int k = 1; k < n.getOutputCount(); k++)
                    if (uses.getOrDefault(n.getOutput(k), 0) > 0 || graphOutputs.contains(n.getOutput(k)))
                        throw a.error("its mask output is used; netc imports inference graphs, where dropout is the identity");
                values.put(n.getOutput(0), value(a, 0));
            }
            case "Constant" -> {
                OnnxMl.TensorProto t = a.tensor("value");
                if (t != null) values.put(n.getOutput(0), new Const(OnnxTensors.read(t.toBuilder().setName(n.getOutput(0)).build(), "constant")));
                else if (a.has("value_float"))
                    values.put(n.getOutput(0), new Const(new OnnxTensors.Constant(n.getOutput(0), new int[0], new float[] {(float) a.real("value_float", 0)}, null)));
                else if (a.has("value_ints")) {
                    long[] v = a.ints("value_ints", List.of()).stream().mapToLong(Long::longValue).toArray();
                    values.put(n.getOutput(0), new Const(new OnnxTensors.Constant(n.getOutput(0), new int[] {v.length}, null, v)));
                } else throw a.error("only 'value', 'value_float' and 'value_ints' constants are supported");
            }
            default -> throw a.error("op type " + n.getOpType() + " is not supported by netc import (it reads: "
                    + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")");
        }
        return activation == null ? 0 : 1;
    }

    /** {@code x * sigmoid(x)} (SiLU, as exporters write it): the Mul right after the Sigmoid, its only reader. */
    private boolean isSilu(OnnxMl.NodeProto sigmoid, OnnxMl.NodeProto next) {
        String x = sigmoid.getInput(0), s = sigmoid.getOutput(0);
        return next.getOpType().equals("Mul") && next.getInputCount() == 2 && uses.getOrDefault(s, 0) == 1 && !graphOutputs.contains(s)
                && (next.getInput(0).equals(x) && next.getInput(1).equals(s) || next.getInput(0).equals(s) && next.getInput(1).equals(x))
                && values.get(x) instanceof Var;
    }

    private void binary(NodeAttributes a) {
        Value x = value(a, 0), y = value(a, 1);
        if (x instanceof Const && y instanceof Const) throw a.error("both operands are constants; netc import expects a computed operand");
        TensorType tx = operandType(a, x), ty = operandType(a, y);
        DType dtype = (x instanceof Var v ? v : (Var) y).type().dtype();
        TensorType t = type(a, new Op.Binary(dev.netc.ir.BinaryFn.ADD), tx.withDType(dtype), ty.withDType(dtype));
        String op = a.node().getOpType();
        bind(a, 0, switch (op) {
            case "Max" -> "maximum(" + operand(a, x) + ", " + operand(a, y) + ")";
            case "Min" -> "minimum(" + operand(a, x) + ", " + operand(a, y) + ")";
            default -> operand(a, x) + " " + BINARY.get(op) + " " + operand(a, y);
        }, t);
    }

    private void reduce(NodeAttributes a) {
        Var x = var(a, 0);
        List<Long> axes = a.ints("axes", null);
        String op = a.node().getOpType();
        boolean axesAsInput = op.equals("ReduceSum") || opset >= 18;
        if (axesAsInput && a.node().getInputCount() > 1 && !a.node().getInput(1).isEmpty()) axes = java.util.Arrays.stream(constant(a, 1).longs()).boxed().toList();
        if (axes == null || axes.isEmpty()) throw a.error("reducing over all axes (no 'axes') is not supported");
        if (a.integer("noop_with_empty_axes", 0) != 0) throw a.error("noop_with_empty_axes=1 is not supported");
        List<Integer> ax = axes.stream().map(v -> axis(a, v.intValue(), x.type().rank())).sorted().toList();
        boolean keep = a.integer("keepdims", 1) != 0;
        ReduceFn fn = switch (op) {
            case "ReduceMean" -> ReduceFn.MEAN;
            case "ReduceSum" -> ReduceFn.SUM;
            default -> ReduceFn.MAX;
        };
        if (fn == ReduceFn.MAX) throw a.error("netc's language has no max reduction (its IR has one)");
        bind(a, 0, fn.mnemonic() + "(" + x.name() + ", axis=" + NetWriter.ints(ax) + ", keep_dims=" + keep + ")",
                type(a, new Op.Reduce(fn, ax, keep), x.type()));
    }

    /** Slice with constant bounds along one axis, step 1: netc's slice. */
    private void slice(NodeAttributes a) {
        Var x = var(a, 0);
        long[] starts = constant(a, 1).longs(), ends = constant(a, 2).longs();
        long[] axes = a.node().getInputCount() > 3 && !a.node().getInput(3).isEmpty() ? constant(a, 3).longs() : new long[] {0};
        if (a.node().getInputCount() > 4 && !a.node().getInput(4).isEmpty()
                && java.util.Arrays.stream(constant(a, 4).longs()).anyMatch(step -> step != 1))
            throw a.error("steps other than 1 are not supported");
        if (starts == null || ends == null || axes == null || starts.length != 1 || ends.length != 1 || axes.length != 1)
            throw a.error("only a slice along one axis with integer constant bounds is supported");
        int axis = axis(a, (int) axes[0], x.type().rank());
        int size = x.type().shape().size(axis);
        int start = (int) Math.max(0, Math.min(size, starts[0] < 0 ? starts[0] + size : starts[0]));
        int end = (int) Math.max(0, Math.min(size, ends[0] < 0 ? ends[0] + size : ends[0]));
        bind(a, 0, "slice(" + x.name() + ", axis=" + axis + ", start=" + start + ", end=" + end + ")", type(a, new Op.Slice(axis, start, end), x.type()));
    }

    /** Reshape to a constant target: 0 copies the input's dimension, -1 is inferred; the batch must stay a dimension of its own. */
    private void reshape(NodeAttributes a) {
        Var x = var(a, 0);
        long[] target = constant(a, 1).longs();
        if (target == null) throw a.error("the target shape must be an integer constant");
        if (a.integer("allowzero", 0) != 0) throw a.error("allowzero=1 is not supported");
        Shape in = x.type().shape();
        long knownIn = 1;
        boolean batchIn = false;
        for (Dim d : in.dims()) if (d instanceof Dim.Known k) knownIn *= k.size(); else batchIn = true;
        List<Dim> dims = new ArrayList<>();
        int inferred = -1;
        long knownOut = 1;
        boolean batchOut = false;
        for (int i = 0; i < target.length; i++) {
            Dim d;
            if (target[i] == 0 && i < in.rank()) d = in.dim(i);
            else if (target[i] == ConstantFolder.BATCH) d = Dim.sym(OnnxImporter.BATCH);
            else if (target[i] == -1 && inferred < 0) { inferred = i; dims.add(null); continue; }
            else if (target[i] > 0 && target[i] <= Integer.MAX_VALUE) d = Dim.of((int) target[i]);
            else throw a.error("target shape " + java.util.Arrays.toString(target) + " is not supported");
            if (d instanceof Dim.Known k) knownOut *= k.size(); else batchOut = true;
            dims.add(d);
        }
        if (inferred >= 0) {
            if (batchIn && !batchOut) {
                if (knownIn != knownOut) throw a.error("the inferred dimension would mix the batch with other dimensions");
                dims.set(inferred, Dim.sym(OnnxImporter.BATCH));
            } else {
                if (knownOut == 0 || knownIn % knownOut != 0) throw a.error("target " + java.util.Arrays.toString(target) + " does not fit " + in);
                dims.set(inferred, Dim.of((int) (knownIn / knownOut)));
            }
        }
        Shape s = new Shape(dims);
        bind(a, 0, "reshape(" + x.name() + ", " + NetWriter.shape(s) + ")", type(a, new Op.Reshape(s), x.type()));
    }

    // ---- values ----

    Value value(NodeAttributes a, int input) {
        if (input >= a.node().getInputCount() || a.node().getInput(input).isEmpty()) throw a.error("input " + input + " is missing");
        Value v = values.get(a.node().getInput(input));
        if (v == null) throw a.error("input '" + a.node().getInput(input) + "' is not computed before the node (the graph is not in order)");
        return v;
    }

    Var var(NodeAttributes a, int input) {
        if (value(a, input) instanceof Var v) return v;
        throw a.error("input " + input + " ('" + a.node().getInput(input) + "') is a constant; netc expects a computed tensor there");
    }

    OnnxTensors.Constant constant(NodeAttributes a, int input) {
        if (value(a, input) instanceof Const c) return c.tensor();
        throw a.error("input " + input + " ('" + a.node().getInput(input) + "') is computed at run time; netc needs a constant there");
    }

    /** A float constant as an operand: a number when it holds one value, else a parameter declared now. */
    private String operand(NodeAttributes a, Value v) {
        return switch (v) {
            case Var var -> var.name();
            case Const c when c.tensor().count() == 1 && c.tensor().isFloat() -> "(" + NetWriter.number(c.tensor().floats()[0]) + ")";
            case Const c -> {
                if (!c.tensor().isFloat()) throw a.error("integer constant '" + c.tensor().name() + "' as an arithmetic operand is not supported");
                String name = out.variable(c.tensor().name());
                out.statement("param " + name + ": f32" + NetWriter.ints(java.util.Arrays.stream(c.tensor().dims()).boxed().toList()) + " = zeros");
                out.weight(name, c.tensor().dims(), c.tensor().floats());
                values.put(c.tensor().name(), new Var(name, new TensorType(DType.F32, Shape.of(c.tensor().dims()))));
                yield name;
            }
        };
    }

    private static TensorType operandType(NodeAttributes a, Value v) {
        return switch (v) {
            case Var var -> var.type();
            case Const c when c.tensor().count() == 1 -> new TensorType(DType.F32, Shape.SCALAR);
            case Const c -> new TensorType(DType.F32, Shape.of(c.tensor().dims()));
        };
    }

    /** Writes {@code NAME = expr} for the node's output {@code output} and records its type. */
    void bind(NodeAttributes a, int output, String expr, TensorType type) {
        bindValue(a.node().getOutput(output), a.node().getOpType().toLowerCase(), expr, type);
    }

    void bindValue(String onnxName, String hint, String expr, TensorType type) {
        String name = out.variable(hint);
        out.statement(name + " = " + expr);
        values.put(onnxName, new Var(name, type));
    }

    static TensorType type(NodeAttributes a, Op op, TensorType... in) {
        try {
            return op.infer(List.of(in));
        } catch (ShapeError e) {
            throw a.error(e.getMessage());
        }
    }

    static int axis(NodeAttributes a, int axis, int rank) {
        int r = axis < 0 ? axis + rank : axis;
        if (r < 0 || r >= rank) throw a.error("axis " + axis + " is out of range for rank " + rank);
        return r;
    }
}
