package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import java.util.List;

/** Small constructors for the ONNX protobuf messages the exporter writes (attributes, tensors, value infos). */
final class OnnxProtos {
    private OnnxProtos() {}

    static OnnxMl.AttributeProto ints(String name, List<Long> values) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(values).build();
    }

    static OnnxMl.AttributeProto ints(String name, int... values) {
        return ints(name, java.util.Arrays.stream(values).mapToLong(v -> v).boxed().toList());
    }

    static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    static OnnxMl.AttributeProto real(String name, double value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF((float) value).build();
    }

    static OnnxMl.AttributeProto text(String name, String value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    static OnnxMl.AttributeProto tensor(String name, OnnxMl.TensorProto value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(value).build();
    }

    /** An f32 tensor with its data as raw little-endian bytes (what every ONNX reader accepts and is compact). */
    static OnnxMl.TensorProto floats(String name, int[] dims, float[] values) {
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        var t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()));
        for (int d : dims) t.addDims(d);
        return t.build();
    }

    static OnnxMl.TensorProto longs(String name, int[] dims, long... values) {
        var t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE);
        for (int d : dims) t.addDims(d);
        for (long v : values) t.addInt64Data(v);
        return t.build();
    }

    static int elementType(DType dtype) {
        return switch (dtype) {
            case F32 -> OnnxMl.TensorProto.DataType.FLOAT_VALUE;
            case F64 -> OnnxMl.TensorProto.DataType.DOUBLE_VALUE;
            case I32 -> OnnxMl.TensorProto.DataType.INT32_VALUE;
            case U8 -> OnnxMl.TensorProto.DataType.UINT8_VALUE;
        };
    }

    /** A graph input or output: element type and shape, a symbolic dimension as a dim_param of the same name. */
    static OnnxMl.ValueInfoProto valueInfo(String name, DType dtype, Shape shape) {
        var dims = OnnxMl.TensorShapeProto.newBuilder();
        for (Dim d : shape.dims()) {
            var dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            switch (d) {
                case Dim.Known k -> dim.setDimValue(k.size());
                case Dim.Sym s -> dim.setDimParam(s.name());
            }
            dims.addDim(dim);
        }
        var tensor = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elementType(dtype)).setShape(dims);
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
