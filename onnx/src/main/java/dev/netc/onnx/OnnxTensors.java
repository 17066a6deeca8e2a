package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the values of ONNX tensors (initializers, Constant nodes): f32 as floats, int64/int32 as longs. */
final class OnnxTensors {
    private OnnxTensors() {}

    /** A constant tensor of the imported model. */
    record Constant(String name, int[] dims, float[] floats, long[] longs) {
        long count() {
            long n = 1;
            for (int d : dims) n *= d;
            return n;
        }
        boolean isFloat() { return floats != null; }
    }

    static Constant read(OnnxMl.TensorProto t, String what) {
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL)
            throw new InteropException(what + " '" + t.getName() + "' keeps its data in an external file, which netc does not read");
        int[] dims = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new InteropException(what + " '" + t.getName() + "' has dimension " + d);
            dims[i] = (int) d;
            count *= d;
        }
        if (count > Integer.MAX_VALUE - 8) throw new InteropException(what + " '" + t.getName() + "' has " + count + " elements, too many for netc");
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = t.hasRawData();
        int n = (int) count;
        switch (t.getDataType()) {
            case OnnxMl.TensorProto.DataType.FLOAT_VALUE -> {
                float[] v = new float[n];
                if (hasRaw) {
                    check(t, what, raw.remaining(), 4L * n);
                    raw.asFloatBuffer().get(v);
                } else {
                    check(t, what, 4L * t.getFloatDataCount(), 4L * n);
                    for (int i = 0; i < n; i++) v[i] = t.getFloatData(i);
                }
                return new Constant(t.getName(), dims, v, null);
            }
            case OnnxMl.TensorProto.DataType.INT64_VALUE -> {
                long[] v = new long[n];
                if (hasRaw) {
                    check(t, what, raw.remaining(), 8L * n);
                    raw.asLongBuffer().get(v);
                } else {
                    check(t, what, 8L * t.getInt64DataCount(), 8L * n);
                    for (int i = 0; i < n; i++) v[i] = t.getInt64Data(i);
                }
                return new Constant(t.getName(), dims, null, v);
            }
            case OnnxMl.TensorProto.DataType.INT32_VALUE -> {
                long[] v = new long[n];
                if (hasRaw) {
                    check(t, what, raw.remaining(), 4L * n);
                    for (int i = 0; i < n; i++) v[i] = raw.getInt(4 * i);
                } else {
                    check(t, what, 4L * t.getInt32DataCount(), 4L * n);
                    for (int i = 0; i < n; i++) v[i] = t.getInt32Data(i);
                }
                return new Constant(t.getName(), dims, null, v);
            }
            default -> throw new InteropException(what + " '" + t.getName() + "' has element type "
                    + dataTypeName(t.getDataType()) + "; netc imports float32 weights (and int64/int32 shapes)");
        }
    }

    private static void check(OnnxMl.TensorProto t, String what, long have, long need) {
        if (have != need)
            throw new InteropException(what + " '" + t.getName() + "' is corrupt: its shape needs " + need + " bytes of data, it holds " + have);
    }

    static String dataTypeName(int type) {
        OnnxMl.TensorProto.DataType d = OnnxMl.TensorProto.DataType.forNumber(type);
        return d == null ? "#" + type : d.name().toLowerCase();
    }
}
