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
    /**
     * The batch size in an integer constant computed from a shape ({@code Shape(x)} of an input
     * [batch, ...]): PyTorch's {@code x.view(x.size(0), -1)} exports Shape, Gather, Unsqueeze and
     * Concat feeding a Reshape, which then reads this value as the batch symbol.
     */
    static final long BATCH = Long.MIN_VALUE;

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
            case "Gather" -> gather(a, in, name);
            case "Unsqueeze", "Squeeze" -> squeeze(a, in, name);
            case "Concat" -> concat(a, in, name);
            case "Transpose" -> transpose(a, in[0], name);
            case "Slice" -> slice(in, name);
            case "Cast" -> {
                long to = a.integer("to", 0);
                boolean toInt = to == ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE || to == ai.onnx.proto.OnnxMl.TensorProto.DataType.INT32_VALUE;
                yield toInt == !in[0].isFloat() ? rename(in[0], name) : null;
            }
            default -> null;
        };
    }

    /** The shape of a tensor as an int64 constant, the batch as {@link #BATCH}. */
    static OnnxTensors.Constant shapeOf(String name, Shape s) {
        long[] dims = s.dims().stream().mapToLong(d -> d instanceof dev.netc.ir.Dim.Known k ? k.size() : BATCH).toArray();
        return new OnnxTensors.Constant(name, new int[] {dims.length}, null, dims);
    }

    /** Elements of a rank-1 integer constant picked by constant indices (along axis 0). */
    private static OnnxTensors.Constant gather(NodeAttributes a, OnnxTensors.Constant[] in, String name) {
        if (in[0].longs() == null || in[1].longs() == null || in[0].dims().length != 1 || a.integer("axis", 0) != 0) return null;
        long[] data = in[0].longs(), idx = in[1].longs(), out = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            long k = idx[i] < 0 ? idx[i] + data.length : idx[i];
            if (k < 0 || k >= data.length) throw a.error("index " + idx[i] + " is out of range for " + data.length + " values");
            out[i] = data[(int) k];
        }
        return new OnnxTensors.Constant(name, in[1].dims(), null, out);
    }

    /**
     * A constant with its axes permuted (default: reversed), e.g. a recurrent layer's kernel [F, G*U]
     * that netc's export transposes into convolution filters.
     */
    private static OnnxTensors.Constant transpose(NodeAttributes a, OnnxTensors.Constant x, String name) {
        int rank = x.dims().length;
        java.util.List<Long> perm = a.ints("perm", java.util.stream.LongStream.range(0, rank).map(i -> rank - 1 - i).boxed().toList());
        if (perm.size() != rank) throw a.error("perm " + perm + " does not fit a rank-" + rank + " tensor");
        int[] outDims = new int[rank], inStrides = new int[rank];
        for (int i = rank - 1, stride = 1; i >= 0; i--) { inStrides[i] = stride; stride *= x.dims()[i]; }
        for (int i = 0; i < rank; i++) outDims[i] = x.dims()[(int) (long) perm.get(i)];
        int n = (int) x.count();
        float[] floats = x.isFloat() ? new float[n] : null;
        long[] longs = x.isFloat() ? null : new long[n];
        int[] coord = new int[rank];
        for (int o = 0; o < n; o++) {
            int src = 0;
            for (int i = 0; i < rank; i++) src += coord[i] * inStrides[(int) (long) perm.get(i)];
            if (floats != null) floats[o] = x.floats()[src]; else longs[o] = x.longs()[src];
            for (int i = rank - 1; i >= 0 && ++coord[i] == outDims[i]; i--) coord[i] = 0;
        }
        return new OnnxTensors.Constant(name, outDims, floats, longs);
    }

    /** A constant sliced with constant starts, ends and axes (steps of 1), e.g. GRU's input and recurrent bias rows. */
    private static OnnxTensors.Constant slice(OnnxTensors.Constant[] in, String name) {
        if (in.length < 3 || in[1].longs() == null || in[2].longs() == null) return null;
        if (in.length > 4 && (in[4].longs() == null || Arrays.stream(in[4].longs()).anyMatch(step -> step != 1))) return null;
        int rank = in[0].dims().length;
        int[] start = new int[rank], outDims = in[0].dims().clone();
        long[] axes = in.length > 3 && in[3].longs() != null ? in[3].longs() : java.util.stream.LongStream.range(0, in[1].longs().length).toArray();
        for (int k = 0; k < axes.length; k++) {
            int axis = (int) (axes[k] < 0 ? axes[k] + rank : axes[k]), size = in[0].dims()[axis];
            long from = in[1].longs()[k] < 0 ? in[1].longs()[k] + size : in[1].longs()[k];
            long to = in[2].longs()[k] < 0 ? in[2].longs()[k] + size : Math.min(in[2].longs()[k], size);
            start[axis] = (int) Math.max(0, Math.min(from, size));
            outDims[axis] = (int) Math.max(0, to - start[axis]);
        }
        int n = 1;
        for (int d : outDims) n *= d;
        float[] floats = in[0].isFloat() ? new float[n] : null;
        long[] longs = in[0].isFloat() ? null : new long[n];
        int[] coord = new int[rank];
        for (int o = 0; o < n; o++) {
            int src = 0;
            for (int i = 0; i < rank; i++) src = src * in[0].dims()[i] + start[i] + coord[i];
            if (floats != null) floats[o] = in[0].floats()[src]; else longs[o] = in[0].longs()[src];
            for (int i = rank - 1; i >= 0 && ++coord[i] == outDims[i]; i--) coord[i] = 0;
        }
        return new OnnxTensors.Constant(name, outDims, floats, longs);
    }

    /** Unsqueeze or Squeeze of an integer constant: the same values, other dimensions (axes from the input, or the attribute before opset 13). */
    private static OnnxTensors.Constant squeeze(NodeAttributes a, OnnxTensors.Constant[] in, String name) {
        if (in[0].longs() == null) return null;
        java.util.List<Long> axes = in.length > 1 && in[1].longs() != null ? Arrays.stream(in[1].longs()).boxed().toList() : a.ints("axes", java.util.List.of());
        java.util.List<Integer> dims = new java.util.ArrayList<>(Arrays.stream(in[0].dims()).boxed().toList());
        if (a.node().getOpType().equals("Unsqueeze")) {
            int rank = dims.size() + axes.size();
            axes.stream().map(x -> (int) (x < 0 ? x + rank : x)).sorted().forEach(x -> dims.add(x, 1));
        } else {
            if (axes.isEmpty()) dims.removeIf(d -> d == 1);
            else axes.stream().map(x -> (int) (x < 0 ? x + in[0].dims().length : x)).sorted(java.util.Comparator.reverseOrder())
                    .forEach(x -> dims.remove((int) x));
        }
        return new OnnxTensors.Constant(name, dims.stream().mapToInt(Integer::intValue).toArray(), null, in[0].longs());
    }

    /** Rank-1 integer constants joined (a shape assembled from pieces). */
    private static OnnxTensors.Constant concat(NodeAttributes a, OnnxTensors.Constant[] in, String name) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (OnnxTensors.Constant c : in) {
            if (c.longs() == null || c.dims().length != 1) return null;
            for (long v : c.longs()) out.add(v);
        }
        return new OnnxTensors.Constant(name, new int[] {out.size()}, null, out.stream().mapToLong(Long::longValue).toArray());
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
