package dev.netc.ir.eval;

import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import java.util.HashMap;
import java.util.Map;

/** Test helper: evaluates one op applied to f64 inputs named a, b, ... fed the given tensors. */
final class OneOp {
    private OneOp() {}

    static DTensor eval(Op op, DTensor... operands) {
        GraphBuilder b = new GraphBuilder();
        Map<String, DTensor> feeds = new HashMap<>();
        int[] ids = new int[operands.length];
        for (int i = 0; i < operands.length; i++) {
            String name = String.valueOf((char) ('a' + i));
            ids[i] = b.input(name, new TensorType(DType.F64, Shape.of(operands[i].shape())));
            feeds.put(name, operands[i]);
        }
        int out;
        try {
            out = b.add(op, "out", ids);
        } catch (ShapeError e) {
            throw new AssertionError(e);
        }
        b.output("out", out);
        Graph g = b.build();
        return Interpreter.runOutputs(g, feeds, Map.of(), false, 0).get("out");
    }

    static double dot(DTensor x, DTensor y) {
        double s = 0;
        for (int i = 0; i < x.size(); i++) s += x.data()[i] * y.data()[i];
        return s;
    }
}
