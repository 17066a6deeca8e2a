package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.runtime.checkpoint.TensorData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model as readable .net source and its weights. Patterns become layers (Conv [+ activation]
 * -> {@code conv2d(..., activation=relu)}, Gemm -> {@code dense}, BatchNormalization -> {@code batch_norm});
 * other nodes become ops. The batch is the only dimension that may be symbolic (the first of each
 * input). Anything netc cannot represent (an op, an opset, an element type, a dynamic dimension, an
 * attribute value) is an {@link InteropException} naming the node, its op type and what is missing.
 */
public final class OnnxImporter {
    /** The ai.onnx opsets whose operator semantics the importer knows. */
    public static final int MIN_OPSET = 13, MAX_OPSET = 21;
    static final String BATCH = "B";

    /**
     * The import: the model's name, its source, and its weights by the names the source gives them.
     */
    public record Imported(String name, String source, Map<String, TensorData> weights) {
        public Imported { weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights)); }
    }

    /** A value of the ONNX graph during import: a .net variable with its type, or a constant known now. */
    sealed interface Value permits Var, Const {}
    record Var(String name, TensorType type) implements Value {}
    record Const(OnnxTensors.Constant tensor) implements Value {}

    private OnnxImporter() {}

    /** Imports an ONNX file's bytes; {@code label} names the file in messages, {@code fallbackName} (the file's stem) names the model. */
    public static Imported importModel(byte[] bytes, String label, String fallbackName) {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InteropException(label + ": not a valid ONNX model (corrupt or truncated protobuf: " + e.getMessage() + ")");
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getIrVersion() <= 0)
            throw new InteropException(label + ": not a valid ONNX model (no IR version or no graph nodes; corrupt or truncated?)");
        int opset = opset(model, label);
        OnnxMl.GraphProto g = model.getGraph();
        NetWriter out = new NetWriter();
        Map<String, Value> values = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList())
            values.put(t.getName(), new Const(OnnxTensors.read(t, "initializer")));
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (values.containsKey(in.getName())) continue;  // older exporters list initializers as inputs too
            TensorType type = inputType(in, label);
            String name = out.variable(in.getName());
            out.statement("input " + name + ": " + NetWriter.type(type));
            values.put(in.getName(), new Var(name, type));
        }
        Map<String, Integer> uses = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) for (String i : n.getInputList()) uses.merge(i, 1, Integer::sum);
        Set<String> graphOutputs = new HashSet<>();
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) graphOutputs.add(o.getName());
        NodeTranslator translator = new NodeTranslator(out, values, uses, graphOutputs, opset);
        // Constant nodes first (they read nothing), so that patterns see the runs of computing nodes exporters interleave them with
        List<OnnxMl.NodeProto> constants = g.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).toList();
        for (int i = 0; i < constants.size(); i++) translator.translate(constants, i);
        List<OnnxMl.NodeProto> nodes = g.getNodeList().stream().filter(n -> !n.getOpType().equals("Constant")).toList();
        for (int i = 0; i < nodes.size(); i++) i += translator.translate(nodes, i);
        List<String> outputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            Value v = values.get(o.getName());
            if (!(v instanceof Var var))
                throw new InteropException(label + ": graph output '" + o.getName() + "' is " + (v == null ? "never computed" : "a constant")
                        + "; netc models output computed tensors");
            String name = out.variable(o.getName());
            out.statement(name + " = " + var.name());
            outputs.add(name);
        }
        out.statement("output " + String.join(", ", outputs));
        String trainHint = "";
        if (outputs.size() == 1 && values.get(g.getOutput(0).getName()) instanceof Var v && v.type().rank() == 2 && v.type().dtype().isFloat())
            trainHint = "\n# To train or bench it (netc train, netc bench), add a train block, e.g. for class scores:\n"
                    + "# train MODEL {\n#   input y: i32[B]\n#   loss = softmax_cross_entropy(" + outputs.getFirst() + ", y)\n"
                    + "#   optimizer = adam(lr=0.001)\n#   batch = 32\n#   epochs = 1\n#   dataset = mnist\n# }\n";
        // the file's name says more than exporters' graph names ("torch_jit", "main_graph")
        String modelName = NetWriter.sanitize(fallbackName.isBlank() ? g.getName() : fallbackName);
        String header = "# Imported by netc import from " + label + " (" + describeProducer(model) + ", opset " + opset + ").\n"
                + "# Weights: " + modelName + ".safetensors (netc predict/eval/train --weights).\n";
        return new Imported(modelName, out.source(header, modelName) + trainHint.replace("MODEL", modelName), out.weights());
    }

    private static String describeProducer(OnnxMl.ModelProto m) {
        String p = (m.getProducerName() + " " + m.getProducerVersion()).strip();
        return p.isEmpty() ? "unknown producer" : p;
    }

    private static int opset(OnnxMl.ModelProto model, String label) {
        int opset = -1;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList())
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) o.getVersion();
        if (opset < 0) throw new InteropException(label + ": the model imports no ai.onnx opset");
        if (opset < MIN_OPSET || opset > MAX_OPSET)
            throw new InteropException(label + ": opset " + opset + " is not supported: netc imports ai.onnx opsets " + MIN_OPSET + " to "
                    + MAX_OPSET + " (re-export with opset_version=" + Math.max(MIN_OPSET, Math.min(MAX_OPSET, opset)) + ")");
        return opset;
    }

    /** An input's type: f32 or i32; the first dimension may be symbolic (the batch), the others must be known. */
    private static TensorType inputType(OnnxMl.ValueInfoProto in, String label) {
        if (!in.getType().hasTensorType())
            throw new InteropException(label + ": input '" + in.getName() + "' is not a tensor");
        OnnxMl.TypeProto.Tensor t = in.getType().getTensorType();
        DType dtype = switch (t.getElemType()) {
            case OnnxMl.TensorProto.DataType.FLOAT_VALUE -> DType.F32;
            case OnnxMl.TensorProto.DataType.INT32_VALUE -> DType.I32;
            default -> throw new InteropException(label + ": input '" + in.getName() + "' has element type "
                    + OnnxTensors.dataTypeName(t.getElemType()) + "; netc inputs are float32 or int32");
        };
        if (!t.hasShape()) throw new InteropException(label + ": input '" + in.getName() + "' has no shape; netc needs every dimension but the batch");
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < t.getShape().getDimCount(); i++) {
            OnnxMl.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            if (d.hasDimValue() && d.getDimValue() > 0) dims.add(Dim.of((int) d.getDimValue()));
            else if (i == 0) dims.add(Dim.sym(BATCH));
            else throw new InteropException(label + ": input '" + in.getName() + "' has dynamic dimension " + i + " ("
                        + (d.hasDimParam() ? "'" + d.getDimParam() + "'" : "unknown") + "); only the first (the batch) may be dynamic");
        }
        return new TensorType(dtype, new Shape(dims));
    }
}
