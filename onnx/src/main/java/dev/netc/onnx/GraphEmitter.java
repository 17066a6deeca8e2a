package dev.netc.onnx;

import static dev.netc.onnx.OnnxProtos.integer;
import static dev.netc.onnx.OnnxProtos.ints;
import static dev.netc.onnx.OnnxProtos.real;

import ai.onnx.proto.OnnxMl;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Writes ONNX nodes for IR nodes, one exhaustive switch over the ops; {@link OnnxExporter} decides which nodes. */
final class GraphEmitter {
    private final Graph graph;
    private final OnnxExporter.InferenceView view;
    private final int opset;
    private final OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder();
    private int fresh;
    /** The batch size as an int64[1] tensor (sliced from an input's shape), made on first use. */
    private String batchValue;

    GraphEmitter(Graph graph, OnnxExporter.InferenceView view, int opset) {
        this.graph = graph;
        this.view = view;
        this.opset = opset;
    }

    OnnxMl.GraphProto.Builder graph() { return g; }

    /** The ONNX value name of IR node {@code id} (after aliasing): its netc name when it has one, made unique by its id. */
    String value(int id) {
        Node n = graph.node(view.resolve(id));
        return switch (n.op()) {
            case Op.Input in -> in.name();
            case Op.Parameter p -> p.name();
            default -> (n.name() == null ? "v" : n.name()) + "." + n.id();
        };
    }

    /**
     * Names the model output {@code name} (an Identity of its value). ONNX names every value once, so an
     * output named like an input or parameter ({@code x = dense(x, 2); output x}) is written as {@code NAME_out}.
     */
    void output(String name, int id) {
        Node n = graph.node(id);
        boolean taken = graph.nodes().stream().anyMatch(leaf -> leaf.op() instanceof Op.Input in && in.name().equals(name)
                || leaf.op() instanceof Op.Parameter p && p.name().equals(name));
        String onnxName = taken ? name + "_out" : name;
        add("Identity", List.of(value(id)), onnxName);
        g.addOutput(OnnxProtos.valueInfo(onnxName, n.type().dtype(), n.type().shape()));
    }

    void node(Node n, Map<String, float[]> parameters) {
        String out = value(n.id());
        List<String> in = n.inputs().stream().map(this::value).toList();
        switch (n.op()) {
            case Op.Input i -> g.addInput(OnnxProtos.valueInfo(i.name(), n.type().dtype(), n.type().shape()));
            case Op.Parameter p -> {
                float[] values = parameters.get(p.name());
                if (values == null) throw new IllegalArgumentException("no value for parameter " + p.name());
                g.addInitializer(OnnxProtos.floats(p.name(), n.type().shape().bind(Map.of()), values));
            }
            case Op.Constant c -> constant(n, c.value(), out);
            case Op.Unary u -> unary(u.fn(), in.getFirst(), out);
            case Op.Binary b -> binary(b, in, out);
            case Op.BroadcastTo b -> add("Expand", List.of(in.getFirst(), shapeTensor(b.target())), out);
            case Op.MatMul m -> {
                if (!m.transposeA() && !m.transposeB()) add("MatMul", in, out);
                else add("Gemm", in, out, integer("transA", m.transposeA() ? 1 : 0), integer("transB", m.transposeB() ? 1 : 0));
            }
            case Op.Conv2d c -> {
                int[] k = graph.node(n.input(1)).type().shape().bind(Map.of());
                add("Conv", in, out, ints("kernel_shape", k[2], k[3]), ints("strides", c.stride(), c.stride()),
                        ints("pads", pads(c.padding())), ints("dilations", 1, 1), integer("group", 1));
            }
            case Op.MaxPool p -> add("MaxPool", in, out, ints("kernel_shape", p.size(), p.size()),
                    ints("strides", p.stride(), p.stride()), ints("pads", pads(p.padding())));
            case Op.AvgPool p -> add("AveragePool", in, out, ints("kernel_shape", p.size(), p.size()),
                    ints("strides", p.stride(), p.stride()), ints("pads", pads(p.padding())), integer("count_include_pad", 0));
            case Op.Reduce r -> reduce(r, in.getFirst(), out);
            case Op.Softmax s -> add("Softmax", in, out, integer("axis", s.axis()));
            case Op.LogSoftmax s -> add("LogSoftmax", in, out, integer("axis", s.axis()));
            case Op.Argmax a -> {
                String index = temp("argmax");
                add("ArgMax", in, index, integer("axis", a.axis()), integer("keepdims", 0));
                add("Cast", List.of(index), out, integer("to", OnnxMl.TensorProto.DataType.INT32_VALUE));
            }
            case Op.LayerNorm l -> {
                int features = n.type().shape().size(-1);
                float[] one = new float[features];
                Arrays.fill(one, 1f);
                String scale = initializer(OnnxProtos.floats(temp("layer_norm_scale"), new int[] {features}, one));
                add("LayerNormalization", List.of(in.getFirst(), scale), out, integer("axis", -1), real("epsilon", l.epsilon()));
            }
            case Op.Reshape r -> add("Reshape", List.of(in.getFirst(), reshapeTarget(r.target())), out);
            case Op.Transpose t -> add("Transpose", in, out, ints("perm", t.permutation().stream().mapToInt(Integer::intValue).toArray()));
            case Op.OneHot o -> {
                // int64 indices: the type combination every ONNX Runtime build implements (int32 indices have no kernel there)
                String indices = temp("indices");
                add("Cast", List.of(in.getFirst()), indices, integer("to", OnnxMl.TensorProto.DataType.INT64_VALUE));
                String depth = initializer(OnnxProtos.longs(temp("depth"), new int[0], o.depth()));
                String values = initializer(OnnxProtos.floats(temp("one_hot_values"), new int[] {2}, new float[] {0, 1}));
                add("OneHot", List.of(indices, depth, values), out, integer("axis", -1));
            }
            case Op.Concat c -> add("Concat", in, out, integer("axis", c.axis()));
            case Op.Slice s -> add("Slice", List.of(in.getFirst(), longs("starts", s.start()), longs("ends", s.end()), longs("axes", s.axis())), out);
            case dev.netc.ir.Gather g -> {
                // ONNX Gather along axis 0 with int64 ids (an id outside the table is an error there, a zero row in netc)
                String indices = temp("indices");
                add("Cast", List.of(in.get(1)), indices, integer("to", OnnxMl.TensorProto.DataType.INT64_VALUE));
                add("Gather", List.of(in.getFirst(), indices), out, integer("axis", 0));
            }
            case dev.netc.ir.Gather.Grad g -> trainingOnly(n);
            // what inference makes of these is decided by the InferenceView: they never reach the emitter
            case Op.TrainSelect t -> throw new IllegalStateException("train_select is resolved before emission");
            case Op.DropoutMask d -> throw new IllegalStateException("dropout masks are resolved before emission");
            case Op.SumTo s -> trainingOnly(n);
            case Op.Conv2dBackwardData c -> trainingOnly(n);
            case Op.Conv2dBackwardFilter c -> trainingOnly(n);
            case Op.MaxPoolGrad m -> trainingOnly(n);
            case Op.AvgPoolGrad a -> trainingOnly(n);
            case Op.MaxPoolArgmax a -> trainingOnly(n);
            case Op.MaxPoolGradIndexed a -> trainingOnly(n);
            case Op.LayerNormGrad l -> trainingOnly(n);
        }
    }

    private static void trainingOnly(Node n) {
        throw new InteropException("node " + n.label() + ": op " + n.op().mnemonic() + " is a training (gradient) op with no ONNX mapping");
    }

    private void unary(UnaryFn fn, String x, String out) {
        switch (fn) {
            case NEG -> add("Neg", List.of(x), out);
            case RELU -> add("Relu", List.of(x), out);
            case SIGMOID -> add("Sigmoid", List.of(x), out);
            case TANH -> add("Tanh", List.of(x), out);
            case EXP -> add("Exp", List.of(x), out);
            case LOG -> add("Log", List.of(x), out);
            case SQRT -> add("Sqrt", List.of(x), out);
            case SQUARE -> add("Mul", List.of(x, x), out);
            case RECIPROCAL -> add("Reciprocal", List.of(x), out);
            case ABS -> add("Abs", List.of(x), out);
            case STEP -> greater(x, scalar(0), out);
            case SOFTPLUS -> add("Softplus", List.of(x), out);
            case ERF -> add("Erf", List.of(x), out);
            case GELU -> {
                if (opset >= 20) add("Gelu", List.of(x), out);
                else {  // 0.5 x (1 + erf(x / sqrt 2)), Gelu's definition, for opsets before it
                    String e = temp("gelu_erf");
                    add("Erf", List.of(mul(x, scalar(1 / Math.sqrt(2)))), e);
                    add("Mul", List.of(mul(x, scalar(0.5)), add(e, scalar(1))), out);
                }
            }
            case GELU_TANH -> {
                if (opset >= 20) add("Gelu", List.of(x), out, OnnxProtos.text("approximate", "tanh"));
                else {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                    String cube = mul(mul(x, x), x);
                    String inner = mul(add(x, mul(cube, scalar(UnaryFn.GELU_TANH_CUBIC))), scalar(UnaryFn.GELU_TANH_SCALE));
                    String t = temp("gelu_tanh");
                    add("Tanh", List.of(inner), t);
                    add("Mul", List.of(mul(x, scalar(0.5)), add(t, scalar(1))), out);
                }
            }
            case SILU -> {
                String s = temp("silu_sigmoid");
                add("Sigmoid", List.of(x), s);
                add("Mul", List.of(x, s), out);
            }
            case HARD_SIGMOID -> add("HardSigmoid", List.of(x), out, real("alpha", UnaryFn.HARD_SIGMOID_SLOPE), real("beta", UnaryFn.HARD_SIGMOID_OFFSET));
            case MISH -> {
                if (opset >= 18) add("Mish", List.of(x), out);
                else {
                    String sp = temp("mish_softplus"), t = temp("mish_tanh");
                    add("Softplus", List.of(x), sp);
                    add("Tanh", List.of(sp), t);
                    add("Mul", List.of(x, t), out);
                }
            }
        }
    }

    private void binary(Op.Binary b, List<String> in, String out) {
        switch (b.fn()) {
            case ADD -> add("Add", in, out);
            case SUB -> add("Sub", in, out);
            case MUL -> add("Mul", in, out);
            case DIV -> add("Div", in, out);
            case MAX -> add("Max", in, out);
            case MIN -> add("Min", in, out);
            case GREATER -> greater(in.get(0), in.get(1), out);
        }
    }

    /** netc's comparisons give 1 or 0 in the operands' float type. */
    private void greater(String a, String b, String out) {
        String bool = temp("greater");
        add("Greater", List.of(a, b), bool);
        add("Cast", List.of(bool), out, integer("to", OnnxMl.TensorProto.DataType.FLOAT_VALUE));
    }

    private void reduce(Op.Reduce r, String x, String out) {
        if (r.axes().isEmpty()) {
            add("Identity", List.of(x), out);
            return;
        }
        String type = switch (r.fn()) {
            case SUM -> "ReduceSum";
            case MEAN -> "ReduceMean";
            case MAX -> "ReduceMax";
        };
        int[] axes = r.axes().stream().mapToInt(Integer::intValue).toArray();
        OnnxMl.AttributeProto keep = integer("keepdims", r.keepDims() ? 1 : 0);
        // ReduceSum takes its axes as an input from opset 13, the others from opset 18
        if (type.equals("ReduceSum") || opset >= 18) add(type, List.of(x, longs("axes", axes)), out, keep);
        else add(type, List.of(x), out, ints("axes", axes), keep);
    }

    /** A constant filling the node's shape: an initializer when its shape is known, else ConstantOfShape at the bound batch. */
    private void constant(Node n, double value, String out) {
        Shape s = n.type().shape();
        OnnxMl.TensorProto one = switch (n.type().dtype()) {
            case F32 -> OnnxProtos.floats(out, new int[] {1}, new float[] {(float) value});
            case F64 -> throw new InteropException("node " + n.label() + ": f64 constants have no export (netc models compute in f32)");
            case I32 -> OnnxMl.TensorProto.newBuilder().setName(out).setDataType(OnnxMl.TensorProto.DataType.INT32_VALUE)
                    .addDims(1).addInt32Data((int) value).build();
            case U8 -> throw new InteropException("node " + n.label() + ": u8 holds compiler-made indices, never a constant");
        };
        if (s.rank() == 0) {
            g.addInitializer(one.toBuilder().clearDims().build());
            return;
        }
        add("ConstantOfShape", List.of(shapeTensor(s)), out, OnnxProtos.tensor("value", one.toBuilder().setName("").build()));
    }

    /** Reshape's target: a constant, with -1 (inferred by ONNX) for a lone batch dimension, which keeps the graph static. */
    private String reshapeTarget(Shape s) {
        if (s.dims().stream().filter(d -> d instanceof Dim.Sym).count() != 1) return shapeTensor(s);
        long[] dims = s.dims().stream().mapToLong(d -> d instanceof Dim.Known k ? k.size() : -1).toArray();
        return initializer(OnnxProtos.longs(temp("shape"), new int[] {dims.length}, dims));
    }

    /** The shape as an int64[rank] tensor: an initializer when known, else pieces concatenated around the batch size. */
    private String shapeTensor(Shape s) {
        if (s.isFullyKnown()) return initializer(OnnxProtos.longs(temp("shape"), new int[] {s.rank()},
                Arrays.stream(s.bind(Map.of())).mapToLong(v -> v).toArray()));
        List<String> pieces = new ArrayList<>();
        for (Dim d : s.dims()) {
            pieces.add(switch (d) {
                case Dim.Known k -> longs("dim", k.size());
                case Dim.Sym sym -> batch(sym);
            });
        }
        String out = temp("shape");
        add("Concat", pieces, out, integer("axis", 0));
        return out;
    }

    /** The batch size as int64[1]: the symbol's dimension of the first input that has it. */
    private String batch(Dim.Sym sym) {
        if (batchValue != null) return batchValue;
        for (Node n : graph.inputs()) {
            if (!view.needed(n.id())) continue;
            int axis = n.type().shape().dims().indexOf(sym);
            if (axis < 0) continue;
            String shape = temp("input_shape");
            add("Shape", List.of(value(n.id())), shape);
            batchValue = temp("batch");
            add("Slice", List.of(shape, longs("start", axis), longs("end", axis + 1)), batchValue);
            return batchValue;
        }
        throw new InteropException("the batch symbol " + sym + " appears in no input of the model, so its size is unknown at run time");
    }

    private String scalar(double v) {
        return initializer(OnnxProtos.floats(temp("c"), new int[0], new float[] {(float) v}));
    }

    private String longs(String what, int... values) {
        return initializer(OnnxProtos.longs(temp(what), new int[] {values.length}, Arrays.stream(values).mapToLong(v -> v).toArray()));
    }

    private String mul(String a, String b) {
        String out = temp("mul");
        add("Mul", List.of(a, b), out);
        return out;
    }

    private String add(String a, String b) {
        String out = temp("add");
        add("Add", List.of(a, b), out);
        return out;
    }

    private String initializer(OnnxMl.TensorProto t) {
        g.addInitializer(t);
        return t.getName();
    }

    private String temp(String what) { return "netc." + what + "." + fresh++; }

    /** ONNX pads: begins of each spatial axis, then ends: [top, left, bottom, right]. */
    private static int[] pads(Padding p) { return new int[] {p.top(), p.left(), p.bottom(), p.right()}; }

    private void add(String opType, List<String> inputs, String output, OnnxMl.AttributeProto... attributes) {
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)));
    }

}
