package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What netc import refuses, and that each refusal names the node, its op type and what is missing. */
class ImportErrorsTest {
    /** y = OP(x) on x: f32[batch, 4] (dims given), at the opset. */
    static OnnxMl.ModelProto model(String opType, int opset, int elemType, List<Object> dims, OnnxMl.AttributeProto... attributes) {
        var shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            var dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer i) dim.setDimValue(i); else dim.setDimParam((String) d);
            shape.addDim(dim);
        }
        var type = OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape));
        var graph = OnnxMl.GraphProto.newBuilder().setName("g")
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(type))
                .addNode(OnnxMl.NodeProto.newBuilder().setName("the_node").setOpType(opType).addInput("x").addOutput("y").addAllAttribute(List.of(attributes)));
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(opset)).build();
    }

    static final int F32 = OnnxMl.TensorProto.DataType.FLOAT_VALUE;

    static String refusal(byte[] bytes) {
        return assertThrows(InteropException.class, () -> OnnxImporter.importModel(bytes, "m.onnx", "m")).getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
    }

    @Test
    void aSupportedModelImports() {
        OnnxImporter.Imported m = OnnxImporter.importModel(model("Relu", 17, F32, List.of("batch", 4)).toByteArray(), "m.onnx", "m");
        assertContains(m.source(), "input x: f32[B, 4]", "relu_1 = relu(x)", "y = relu_1", "output y");
    }

    @Test
    void unsupportedOpNamesTheNodeAndItsType() {
        assertContains(refusal(model("Resize", 17, F32, List.of("batch", 4)).toByteArray()),
                "node 'the_node' (Resize)", "op type Resize is not supported", "Conv");
    }

    @Test
    void unsupportedAttributeValueNamesIt() {
        OnnxMl.AttributeProto alpha = OnnxMl.AttributeProto.newBuilder().setName("alpha").setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(0.1667f).build();
        assertContains(refusal(model("HardSigmoid", 17, F32, List.of("batch", 4), alpha).toByteArray()), "node 'the_node' (HardSigmoid)", "alpha=");
    }

    @Test
    void unsupportedOpsetDtypeAndDynamicDimensions() {
        assertContains(refusal(model("Relu", 9, F32, List.of("batch", 4)).toByteArray()), "opset 9 is not supported", "13 to 21");
        assertContains(refusal(model("Relu", 17, OnnxMl.TensorProto.DataType.FLOAT16_VALUE, List.of("batch", 4)).toByteArray()),
                "input 'x' has element type float16");
        assertContains(refusal(model("Relu", 17, F32, List.of("batch", "features")).toByteArray()),
                "input 'x' has dynamic dimension 1 ('features')", "only the first (the batch) may be dynamic");
        OnnxMl.ModelProto custom = model("Relu", 17, F32, List.of("batch", 4));
        custom = custom.toBuilder().setGraph(custom.getGraph().toBuilder().setNode(0, custom.getGraph().getNode(0).toBuilder().setDomain("com.microsoft"))).build();
        assertContains(refusal(custom.toByteArray()), "node 'the_node' (Relu)", "domain 'com.microsoft'");
    }

    @Test
    void corruptAndTruncatedFilesAreRefused() throws Exception {
        byte[] cnn = Files.readAllBytes(PyTorchImportTest.fixture("cnn.onnx"));
        assertContains(refusal(Arrays.copyOf(cnn, cnn.length / 2)), "m.onnx", "corrupt or truncated");
        assertContains(refusal("not an onnx file at all".getBytes()), "m.onnx", "not a valid ONNX model");
        assertContains(refusal(new byte[0]), "not a valid ONNX model");
    }
}
