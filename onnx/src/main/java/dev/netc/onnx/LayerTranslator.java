package dev.netc.onnx;

import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.onnx.OnnxImporter.Var;
import java.util.List;

/**
 * The nodes that become netc layers, whose parameters take the layer's name: Conv -> conv2d, Gemm
 * (and MatMul by a constant) -> dense, BatchNormalization -> batch_norm, MaxPool/AveragePool.
 */
final class LayerTranslator {
    private final NodeTranslator nodes;
    private final NetWriter out;

    LayerTranslator(NodeTranslator nodes, NetWriter out) {
        this.nodes = nodes;
        this.out = out;
    }

    void conv(NodeAttributes a, String result, String activation) {
        Var x = nodes.var(a, 0);
        OnnxTensors.Constant w = floats(a, 1, 4, "weights [F, C, KH, KW]");
        a.require("group", 1, "grouped and depthwise convolutions");
        if (x.type().rank() != 4) throw a.error("only 2-D convolutions of [N, C, H, W] are supported, got " + x.type());
        for (long d : a.ints("dilations", List.of(1L, 1L))) if (d != 1) throw a.error("dilations other than 1 are not supported");
        List<Long> strides = a.ints("strides", List.of(1L, 1L));
        if (strides.size() != 2 || !strides.get(0).equals(strides.get(1))) throw a.error("strides " + strides + ": netc needs one stride for both axes");
        int stride = strides.get(0).intValue();
        int[] k = w.dims();
        Padding padding = padding(a, x, k[2], k[3], stride);
        OnnxTensors.Constant bias = a.node().getInputCount() > 2 && !a.node().getInput(2).isEmpty() ? floats(a, 2, 1, "bias [F]") : null;
        String layer = out.layer(layerHint(a, 1, "conv"));
        TensorType type = NodeTranslator.type(a, new Op.Conv2d(stride, padding), x.type(), new TensorType(x.type().dtype(), Shape.of(k)));
        String pad = padding.equals(Padding.NONE) ? "" : padding.equals(Padding.uniform(padding.top())) ? ", padding=" + padding.top()
                : ", padding=[" + padding.top() + ", " + padding.bottom() + ", " + padding.left() + ", " + padding.right() + "]";
        nodes.bindValue(result, layer, "conv2d(" + x.name() + ", filters=" + k[0] + ", size=[" + k[2] + ", " + k[3] + "]"
                + (stride == 1 ? "" : ", stride=" + stride) + pad + (activation == null ? "" : ", activation=" + activation)
                + (bias == null ? ", use_bias=false" : "") + ", name=\"" + layer + "\")", type);
        out.weight(layer + "/kernel", k, w.floats());
        if (bias != null) out.weight(layer + "/bias", bias.dims(), bias.floats());
    }

    /** Gemm: {@code alpha A B' + beta C} with alpha = beta = 1, A not transposed, B a constant: a dense layer. */
    void gemm(NodeAttributes a, String result, String activation) {
        Var x = nodes.var(a, 0);
        OnnxTensors.Constant b = floats(a, 1, 2, "weights");
        a.require("transA", 0, "a transposed input");
        if ((float) a.real("alpha", 1) != 1f || (float) a.real("beta", 1) != 1f) throw a.error("alpha and beta other than 1 are not supported");
        boolean transB = a.integer("transB", 0) != 0;
        int[] d = b.dims();
        int in = transB ? d[1] : d[0], units = transB ? d[0] : d[1];
        float[] kernel = transB ? transpose(b.floats(), d[0], d[1]) : b.floats();
        OnnxTensors.Constant c = a.node().getInputCount() > 2 && !a.node().getInput(2).isEmpty() ? nodes.constant(a, 2) : null;
        if (c != null && (!c.isFloat() || c.count() != units))
            throw a.error("bias C must hold " + units + " floats (one per unit), it has shape " + java.util.Arrays.toString(c.dims()));
        dense(a, x, in, units, kernel, c == null ? null : c.floats(), result, activation);
    }

    /** MatMul of a [batch, K] tensor by a constant [K, N]: a dense layer without bias; of two tensors: matmul. */
    void matmul(NodeAttributes a) {
        Var x = nodes.var(a, 0);
        if (nodes.value(a, 1) instanceof Var y) {
            nodes.bind(a, 0, "matmul(" + x.name() + ", " + y.name() + ")", NodeTranslator.type(a, new Op.MatMul(false, false), x.type(), y.type()));
            return;
        }
        OnnxTensors.Constant b = floats(a, 1, 2, "weights [K, N]");
        dense(a, x, b.dims()[0], b.dims()[1], b.floats(), null, a.node().getOutput(0), null);
    }

    private void dense(NodeAttributes a, Var x, int in, int units, float[] kernel, float[] bias, String result, String activation) {
        TensorType type = NodeTranslator.type(a, new Op.MatMul(false, false), x.type(), new TensorType(x.type().dtype(), Shape.of(in, units)));
        String layer = out.layer(layerHint(a, 1, "dense"));
        nodes.bindValue(result, layer, "dense(" + x.name() + ", " + units + (activation == null ? "" : ", activation=" + activation)
                + (bias == null ? ", use_bias=false" : "") + ", name=\"" + layer + "\")", type);
        out.weight(layer + "/kernel", new int[] {in, units}, kernel);
        if (bias != null) out.weight(layer + "/bias", new int[] {units}, bias);
    }

    /** BatchNormalization in inference form (scale, bias, mean, variance constants): netc's batch_norm over axis 1. */
    void batchNorm(NodeAttributes a) {
        Var x = nodes.var(a, 0);
        a.require("training_mode", 0, "netc imports inference graphs");
        if (x.type().rank() != 4 && x.type().rank() != 2) throw a.error("batch norm of " + x.type() + " is not supported ([N, C, H, W] or [N, C])");
        int channels = x.type().shape().size(1);
        String[] roles = {"gamma", "beta", "moving_mean", "moving_variance"};
        OnnxTensors.Constant[] params = new OnnxTensors.Constant[4];
        for (int i = 0; i < 4; i++) {
            params[i] = floats(a, i + 1, 1, roles[i] + " [C]");
            if (params[i].count() != channels) throw a.error(roles[i] + " holds " + params[i].count() + " values for " + channels + " channels");
        }
        String layer = out.layer(layerHint(a, 1, "bn"));
        double epsilon = a.real("epsilon", 1e-5), momentum = a.real("momentum", 0.9);
        nodes.bindValue(a.node().getOutput(0), layer, "batch_norm(" + x.name() + ", momentum=" + NetWriter.number(momentum) + ", epsilon=" + NetWriter.number(epsilon)
                + ", name=\"" + layer + "\")", x.type());
        for (int i = 0; i < 4; i++) out.weight(layer + "/" + roles[i], new int[] {channels}, params[i].floats());
    }

    /** LayerNormalization over the last axis with constant scale (and bias): netc's layer_norm. */
    void layerNorm(NodeAttributes a) {
        Var x = nodes.var(a, 0);
        if (NodeTranslator.axis(a, (int) a.integer("axis", -1), x.type().rank()) != x.type().rank() - 1)
            throw a.error("normalising over axes other than the last is not supported");
        a.require("stash_type", 1, "netc computes the statistics in f32");
        for (int k = 1; k < a.node().getOutputCount(); k++)
            if (!a.node().getOutput(k).isEmpty()) throw a.error("the Mean and InvStdDev outputs are not supported");
        int features = x.type().shape().size(-1);
        OnnxTensors.Constant scale = floats(a, 1, 1, "scale [features]");
        float[] bias = a.node().getInputCount() > 2 && !a.node().getInput(2).isEmpty() ? floats(a, 2, 1, "bias [features]").floats() : new float[features];
        if (scale.count() != features || bias.length != features) throw a.error("scale and bias must hold " + features + " values");
        String layer = out.layer(layerHint(a, 1, "layer_norm"));
        nodes.bindValue(a.node().getOutput(0), layer, "layer_norm(" + x.name() + ", epsilon=" + NetWriter.number(a.real("epsilon", 1e-5)) + ", name=\"" + layer + "\")", x.type());
        out.weight(layer + "/gamma", new int[] {features}, scale.floats());
        out.weight(layer + "/beta", new int[] {features}, bias);
    }

    void pool(NodeAttributes a) {
        Var x = nodes.var(a, 0);
        boolean max = a.node().getOpType().equals("MaxPool");
        if (x.type().rank() != 4) throw a.error("only 2-D pooling of [N, C, H, W] is supported, got " + x.type());
        List<Long> kernel = a.ints("kernel_shape", List.of());
        if (kernel.size() != 2 || !kernel.get(0).equals(kernel.get(1))) throw a.error("kernel_shape " + kernel + ": netc pools square windows");
        List<Long> strides = a.ints("strides", List.of(1L, 1L));
        if (strides.size() != 2 || !strides.get(0).equals(strides.get(1))) throw a.error("strides " + strides + ": netc needs one stride for both axes");
        a.require("ceil_mode", 0, "netc rounds output sizes down");
        for (long d : a.ints("dilations", List.of(1L, 1L))) if (d != 1) throw a.error("dilations other than 1 are not supported");
        if (max) a.require("storage_order", 0, "column-major indices");
        for (int k = 1; k < a.node().getOutputCount(); k++)
            if (!a.node().getOutput(k).isEmpty()) throw a.error("the Indices output is not supported");
        int size = kernel.get(0).intValue(), stride = strides.get(0).intValue();
        Padding padding = padding(a, x, size, size, stride);
        if (!max && !padding.equals(Padding.NONE)) a.require("count_include_pad", 0, "netc's avg_pool divides by the cells inside the input");
        String pad = "";
        if (padding.equals(Padding.same(x.type().shape().size(2), x.type().shape().size(3), size, size, stride)) && !padding.equals(Padding.NONE))
            pad = ", padding=same";
        else if (!padding.equals(Padding.NONE)) {
            // netc's avg_pool pads only as 'same'; max_pool takes any padding smaller than its window
            if (!max) throw a.error("padding " + padding + " is not supported for average pooling (netc pools with no padding or 'same' padding)");
            if (Math.max(Math.max(padding.top(), padding.bottom()), Math.max(padding.left(), padding.right())) >= size)
                throw a.error("padding " + padding + " is not smaller than the window " + size);
            pad = padding.equals(Padding.uniform(padding.top())) ? ", padding=" + padding.top()
                    : ", padding=[" + padding.top() + ", " + padding.bottom() + ", " + padding.left() + ", " + padding.right() + "]";
        }
        Op op = max ? new Op.MaxPool(size, stride, padding) : new Op.AvgPool(size, stride, padding);
        nodes.bind(a, 0, (max ? "max_pool(" : "avg_pool(") + x.name() + ", size=" + size + (stride == size ? "" : ", stride=" + stride) + pad + ")",
                NodeTranslator.type(a, op, x.type()));
    }

    /** The explicit padding of a Conv or pooling node: pads [top, left, bottom, right], or auto_pad. */
    private static Padding padding(NodeAttributes a, Var x, int kh, int kw, int stride) {
        String auto = a.text("auto_pad", "NOTSET");
        int h = x.type().shape().size(2), w = x.type().shape().size(3);
        return switch (auto) {
            case "NOTSET" -> {
                List<Long> p = a.ints("pads", List.of(0L, 0L, 0L, 0L));
                if (p.size() != 4) throw a.error("pads " + p + " is not [top, left, bottom, right]");
                yield new Padding(p.get(0).intValue(), p.get(2).intValue(), p.get(1).intValue(), p.get(3).intValue());
            }
            case "VALID" -> Padding.NONE;
            case "SAME_UPPER" -> Padding.same(h, w, kh, kw, stride);
            default -> throw a.error("auto_pad=" + auto + " is not supported");
        };
    }

    /** A float constant input of the given rank. */
    private OnnxTensors.Constant floats(NodeAttributes a, int input, int rank, String what) {
        OnnxTensors.Constant c = nodes.constant(a, input);
        if (!c.isFloat() || c.dims().length != rank)
            throw a.error(what + " must be a float32 constant of rank " + rank + ", got '" + c.name() + "' " + java.util.Arrays.toString(c.dims()));
        return c;
    }

    /** The layer's name: its weight's initializer name without a trailing ".weight" ("layer1.0.conv1.weight" -> layer1_0_conv1), else the node's. */
    private static String layerHint(NodeAttributes a, int weightInput, String kind) {
        String w = a.node().getInput(weightInput), hint = null;
        for (String suffix : new String[] {".weight", "_weight", ".W", "/kernel", "/gamma"})
            if (hint == null && w.endsWith(suffix) && w.length() > suffix.length() && !w.startsWith("onnx::"))
                hint = w.substring(0, w.length() - suffix.length());
        if (hint == null) {
            // PyTorch names nodes by module path and op: "/block/conv1/Conv" -> "block/conv1"
            hint = a.node().getName().replaceFirst("^/", "").replaceFirst("/" + a.node().getOpType() + "(_\\d+)?$", "");
        }
        // an unnamed module of a Sequential is a number ("0.weight"): call it by its kind, conv_0
        return hint.chars().anyMatch(Character::isLetter) ? hint : kind + "_" + hint;
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }

}
