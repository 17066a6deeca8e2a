package dev.netc.onnx;

import ai.onnx.proto.OnnxMl;
import dev.netc.onnx.OnnxImporter.Const;
import dev.netc.onnx.OnnxImporter.Value;
import dev.netc.onnx.OnnxImporter.Var;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs of nodes that exporters write for one netc function, recognised so the import reads as the
 * model was written: PyTorch's exact GELU, {@code Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)}.
 */
final class Patterns {
    private Patterns() {}

    /**
     * The number of nodes after {@code i} that, with node {@code i}, compute {@code gelu(x)} of the
     * returned variable's input, or 0 when they do not.
     */
    static int gelu(List<OnnxMl.NodeProto> nodes, int i, Map<String, Value> values, Map<String, Integer> uses, Set<String> outputs) {
        if (i + 4 >= nodes.size()) return 0;
        OnnxMl.NodeProto div = nodes.get(i), erf = nodes.get(i + 1), add = nodes.get(i + 2), mul = nodes.get(i + 3), half = nodes.get(i + 4);
        if (!div.getOpType().equals("Div") || div.getInputCount() != 2 || !(values.get(div.getInput(0)) instanceof Var)
                || !isScalar(values.get(div.getInput(1)), Math.sqrt(2))) return 0;
        String x = div.getInput(0);
        boolean shape = erf.getOpType().equals("Erf") && erf.getInput(0).equals(div.getOutput(0))
                && add.getOpType().equals("Add") && other(add, erf.getOutput(0)) != null && isScalar(values.get(other(add, erf.getOutput(0))), 1)
                && mul.getOpType().equals("Mul") && x.equals(other(mul, add.getOutput(0)))
                && half.getOpType().equals("Mul") && other(half, mul.getOutput(0)) != null && isScalar(values.get(other(half, mul.getOutput(0))), 0.5);
        if (!shape) return 0;
        for (OnnxMl.NodeProto inner : List.of(div, erf, add, mul))
            if (uses.getOrDefault(inner.getOutput(0), 0) != 1 || outputs.contains(inner.getOutput(0))) return 0;
        return 4;
    }

    /** The other input of a two-input node one of whose inputs is {@code one}, or null. */
    private static String other(OnnxMl.NodeProto n, String one) {
        if (n.getInputCount() != 2) return null;
        if (n.getInput(0).equals(one)) return n.getInput(1);
        if (n.getInput(1).equals(one)) return n.getInput(0);
        return null;
    }

    private static boolean isScalar(Value v, double expected) {
        return v instanceof Const c && c.tensor().isFloat() && c.tensor().count() == 1 && Math.abs(c.tensor().floats()[0] - expected) < 1e-6;
    }
}
