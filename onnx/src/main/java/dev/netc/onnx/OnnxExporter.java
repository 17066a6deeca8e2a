package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A netc model's inference graph as an ONNX model: the graph the model outputs depend on, with
 * training-only parts resolved as inference runs them (a {@code train_select} takes its inference
 * operand, batch norm's moving statistics; {@code x * dropout_mask} is {@code x}), the batch as a
 * symbolic dimension and the parameters as initializers under their netc names. Every op maps to
 * standard ONNX operators, one IR node to one or a few ONNX nodes; an op that has no mapping (a
 * gradient op, which an inference graph never holds) is an {@link InteropException} naming it, so
 * nothing is dropped silently.
 */
public final class OnnxExporter {
    /** The opset written by default: LayerNormalization's first; read by ONNX Runtime, TensorRT and PyTorch 1.13+. */
    public static final int DEFAULT_OPSET = 17;
    /** The opsets netc writes: from LayerNormalization's first to the newest ONNX Runtime 1.23 reads fully. */
    public static final int MIN_OPSET = 17, MAX_OPSET = 21;
    static final String PRODUCER = "netc";

    private OnnxExporter() {}

    /**
     * Exports {@code graph}'s model outputs.
     *
     * @param parameters every parameter's value by name (row-major f32)
     * @param opset      the ai.onnx opset, {@link #MIN_OPSET} to {@link #MAX_OPSET}
     */
    public static OnnxMl.ModelProto export(Graph graph, Map<String, float[]> parameters, String modelName, int opset) {
        if (opset < MIN_OPSET || opset > MAX_OPSET)
            throw new InteropException("opset " + opset + " is not supported: netc writes opsets " + MIN_OPSET + " to " + MAX_OPSET);
        List<String> outputs = InferenceModel.modelOutputs(graph);
        if (outputs.isEmpty()) throw new InteropException("model '" + modelName + "' has no output besides its loss");
        InferenceView view = InferenceView.of(graph, outputs.stream().map(o -> graph.outputs().get(o)).toList());
        GraphEmitter emit = new GraphEmitter(graph, view, opset);
        for (Node n : graph.nodes()) {
            if (!view.needed(n.id())) continue;
            emit.node(n, parameters);
        }
        for (String name : outputs) emit.output(name, view.resolve(graph.outputs().get(name)));
        OnnxMl.GraphProto.Builder g = emit.graph().setName(modelName)
                .setDocString("Exported by netc from model '" + modelName + "' (inference: dropout off, batch norm on moving statistics)");
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(opset <= 18 ? 8 : opset <= 20 ? 9 : 10)
                .setProducerName(PRODUCER).setProducerVersion("0.1.0")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g).build();
    }

    /**
     * The nodes inference needs, after resolving what inference makes of training-only ops: each node
     * is its own value, or an alias of an earlier one.
     */
    record InferenceView(int[] alias, boolean[] needed) {
        static InferenceView of(Graph graph, List<Integer> roots) {
            int n = graph.size();
            int[] alias = new int[n];
            boolean[] ones = new boolean[n];
            boolean[] live = graph.ancestors(roots);
            for (Node node : graph.nodes()) {
                int id = node.id();
                alias[id] = id;
                if (!live[id]) continue;
                switch (node.op()) {
                    case Op.TrainSelect t -> alias[id] = alias[node.input(1)];
                    case Op.DropoutMask d -> ones[id] = true;
                    case Op.Binary b when b.fn() == dev.netc.ir.BinaryFn.MUL && (ones[alias[node.input(0)]] || ones[alias[node.input(1)]]) -> {
                        int other = ones[alias[node.input(0)]] ? alias[node.input(1)] : alias[node.input(0)];
                        if (ones[other] || !graph.node(other).type().equals(node.type()))
                            throw new InteropException("node " + node.label() + " (" + node.op().mnemonic() + ") multiplies by a dropout mask"
                                    + " in a way other than x * mask; it has no ONNX export");
                        alias[id] = other;
                    }
                    default -> {
                        for (int in : node.inputs())
                            if (ones[alias[in]])
                                throw new InteropException("node " + node.label() + " (" + node.op().mnemonic()
                                        + ") reads a dropout mask other than as x * mask; it has no ONNX export");
                    }
                }
            }
            boolean[] needed = new boolean[n];
            List<Integer> stack = new ArrayList<>();
            for (int r : roots) stack.add(alias[r]);
            while (!stack.isEmpty()) {
                int id = stack.removeLast();
                if (needed[id]) continue;
                needed[id] = true;
                for (int in : graph.node(id).inputs()) stack.add(alias[in]);
            }
            return new InferenceView(alias, needed);
        }

        boolean needed(int id) { return needed[id] && alias[id] == id; }

        int resolve(int id) { return alias[id]; }
    }

    /** Whether the shape holds the batch symbol. */
    static boolean symbolic(Shape s) {
        return s.dims().stream().anyMatch(d -> d instanceof Dim.Sym);
    }

    static DType dtype(Node n) { return n.type().dtype(); }
}
