package dev.netc.onnx;

import dev.netc.ir.Broadcast;
import dev.netc.ir.Shape;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Computes nodes whose operands are all constants at import time (a bias reshaped for broadcasting,
 * batch norm's scale computed from its variance), as exporters that do not fold constants leave them,
 * so the .net source holds the result as one parameter.
 */
final class ConstantFolder {
    private ConstantFolder() {}

    /** The node's result, or null when it is not an op the folder computes. */
    static OnnxTensors.Constant fold(NodeAttributes a, OnnxTensors.Constant[] in) {
        String name = a.node().getOutput(0);
        return switch (a.node().getOpType()) {
            case "Identity" -> rename(in[0], name);
            case "Reshape" -> reshape(a, in[0], in[1], name);
            case "Add" -> binary(a, in, name, Double::sum);
            case "Sub" -> binary(a, in, name, (x, y) -> x - y);
            case "Mul" -> binary(a, in, name, (x, y) -> x * y);
            case "Div" -> binary(a, in, name, (x, y) -> x / y);
            case "Sqrt" -> unary(a, in[0], name, Math::sqrt);
            case "Reciprocal" -> unary(a, in[0], name, x -> 1 / x);
            case "Neg" -> unary(a, in[0], name, x -> -x);
            default -> null;
        };
    }

    private static OnnxTensors.Constant rename(OnnxTensors.Constant c, String name) {
        return new OnnxTensors.Constant(name, c.dims(), c.floats(), c.longs());
    }

    private static OnnxTensors.Constant reshape(NodeAttributes a, OnnxTensors.Constant x, OnnxTensors.Constant target, String name) {
        if (target.longs() == null) throw a.error("the target shape must be an integer constant");
        long[] t = target.longs();
        int[] dims = new int[t.length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == -1 && inferred < 0) { inferred = i; continue; }
            dims[i] = t[i] == 0 && i < x.dims().length ? x.dims()[i] : (int) t[i];
            if (dims[i] <= 0) throw a.error("target shape " + Arrays.toString(t) + " is not supported");
            known *= dims[i];
        }
        if (inferred >= 0) dims[inferred] = (int) (x.count() / Math.max(known, 1));
        OnnxTensors.Constant out = new OnnxTensors.Constant(name, dims, x.floats(), x.longs());
        if (out.count() != x.count()) throw a.error("cannot reshape " + Arrays.toString(x.dims()) + " to " + Arrays.toString(t));
        return out;
    }

    private static OnnxTensors.Constant unary(NodeAttributes a, OnnxTensors.Constant x, String name, DoubleUnaryOperator f) {
        if (!x.isFloat()) return null;
        float[] v = new float[x.floats().length];
        for (int i = 0; i < v.length; i++) v[i] = (float) f.applyAsDouble(x.floats()[i]);
        return new OnnxTensors.Constant(name, x.dims(), v, null);
    }

    /** Numpy broadcasting over two float constants. */
    private static OnnxTensors.Constant binary(NodeAttributes a, OnnxTensors.Constant[] in, String name, DoubleBinaryOperator f) {
        if (!in[0].isFloat() || !in[1].isFloat()) return null;
        Shape sa = Shape.of(in[0].dims()), sb = Shape.of(in[1].dims());
        Shape s = Broadcast.shape(sa, sb);
        if (s == null) throw a.error("constant shapes " + sa + " and " + sb + " do not broadcast");
        int[] dims = s.bind(java.util.Map.of());
        float[] v = new float[(int) new OnnxTensors.Constant(name, dims, null, null).count()];
        int[] idx = new int[dims.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) f.applyAsDouble(in[0].floats()[offset(idx, in[0].dims())], in[1].floats()[offset(idx, in[1].dims())]);
            for (int d = dims.length - 1; d >= 0 && ++idx[d] == dims[d]; d--) idx[d] = 0;
        }
        return new OnnxTensors.Constant(name, dims, v, null);
    }

    /** The row-major offset in an operand of shape {@code dims} (right-aligned, size-1 axes broadcast) of output index {@code idx}. */
    private static int offset(int[] idx, int[] dims) {
        int off = 0, shift = idx.length - dims.length;
        for (int d = 0; d < dims.length; d++) off = off * dims[d] + (dims[d] == 1 ? 0 : idx[d + shift]);
        return off;
    }
}
