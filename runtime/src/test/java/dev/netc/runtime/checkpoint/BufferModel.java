package dev.netc.runtime.checkpoint;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import java.util.LinkedHashMap;
import java.util.Map;

/** A stand-in model that only holds buffers: one per parameter of its graph, plus optimizer state. */
final class BufferModel implements GeneratedModel {
    final Map<String, float[]> buffers = new LinkedHashMap<>();
    final Map<String, float[]> state = new LinkedHashMap<>();

    BufferModel(Graph graph, boolean withMomentum) {
        for (Node n : graph.parameters()) {
            String name = ((Op.Parameter) n.op()).name();
            float[] values = new float[(int) n.type().shape().elementCount(Map.of())];
            for (int i = 0; i < values.length; i++) values[i] = name.length() + i * 0.25f;
            buffers.put(name, values);
            if (withMomentum) state.put("momentum/" + name, new float[values.length]);
        }
    }

    /** x f32[B, in] times kernel [in, out] plus bias [out]: two parameters, named like a dense layer's. */
    static Graph dense(int in, int out) {
        try {
            GraphBuilder g = new GraphBuilder();
            int x = g.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(in))));
            int w = g.parameter("dense/kernel", TensorType.f32(in, out), new Init.GlorotUniform(), true);
            int b = g.parameter("dense/bias", TensorType.f32(out), new Init.Zeros(), true);
            int y = g.add(new Op.Binary(dev.netc.ir.BinaryFn.ADD), "logits", g.add(new Op.MatMul(false, false), null, x, w), b);
            g.output("logits", y);
            return g.build();
        } catch (ShapeError e) {
            throw new AssertionError(e);
        }
    }

    /** Parameters of shape [2, 3] with exactly these names (e.g. a block named "momentum": "momentum/dense/kernel"). */
    static Graph parameters(String... names) {
        try {
            GraphBuilder g = new GraphBuilder();
            int x = g.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(2))));
            int y = x;
            for (String name : names) {
                int p = g.parameter(name, TensorType.f32(2, 3), new Init.Zeros(), true);
                y = g.add(new Op.MatMul(false, false), null, x, p);
            }
            g.output("logits", y);
            return g.build();
        } catch (ShapeError e) {
            throw new AssertionError(e);
        }
    }

    @Override public void setBatch(int batch) {}
    @Override public int batch() { return 0; }
    @Override public float[] floatBuffer(String name) {
        float[] b = buffers.get(name);
        if (b == null) throw new IllegalArgumentException("no buffer " + name);
        return b;
    }
    @Override public int[] intBuffer(String name) { throw new IllegalArgumentException(name); }
    @Override public void predict() {}
    @Override public void forward(boolean training) {}
    @Override public void backward() {}
    @Override public void update(float learningRate, int step) {}
    @Override public void setSeed(long seed) {}
    @Override public Map<String, float[]> optimizerState() { return state; }
}
