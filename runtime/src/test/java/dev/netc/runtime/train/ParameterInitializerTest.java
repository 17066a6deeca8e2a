package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.TensorType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterInitializerTest {
    @Test
    void fillsEveryParameterFromItsInitialiser() {
        Graph graph = SoftmaxRegressionModel.graph(4, 3, false);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(4, 3, false);
        Arrays.fill(model.b, 9f);
        ParameterInitializer.initialize(model, graph, 1);
        assertArrayEquals(new float[3], model.b, "zeros");
        double limit = Math.sqrt(6.0 / (4 + 3));
        for (float v : model.w) assertTrue(Math.abs(v) <= limit, "glorot uniform within +-" + limit + ": " + v);
        assertTrue(new java.util.HashSet<>(java.util.stream.IntStream.range(0, 12).mapToObj(i -> model.w[i]).toList()).size() > 10,
                "random values");
    }

    @Test
    void valuesDependOnSeedAndNameButNotOnParameterOrder() {
        float[][] forward = init(List.of("a", "b", "c"), 5), backward = init(List.of("c", "b", "a"), 5);
        assertArrayEquals(forward[0], backward[2]); // a
        assertArrayEquals(forward[1], backward[1]); // b
        assertArrayEquals(forward[2], backward[0]); // c
        assertFalse(Arrays.equals(forward[0], forward[1]), "each name its own stream");
        assertFalse(Arrays.equals(forward[0], init(List.of("a", "b", "c"), 6)[0]), "another seed");
        float[][] fewer = init(List.of("b"), 5);
        assertArrayEquals(forward[1], fewer[0], "other parameters do not matter");
    }

    /** Initialises normal(0, 1) parameters of shape [50] with the given names; returns their values in that order. */
    private static float[][] init(List<String> names, long seed) {
        GraphBuilder g = new GraphBuilder();
        for (String name : names) g.parameter(name, TensorType.f32(50), new Init.Normal(0, 1), true);
        Graph graph = g.build();
        MapModel model = new MapModel();
        for (Node n : graph.parameters()) model.buffers.put(n.name(), new float[50]);
        ParameterInitializer.initialize(model, graph, seed);
        float[][] out = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) out[i] = model.buffers.get(names.get(i));
        assertEquals(names.size(), model.buffers.size());
        return out;
    }

    /** A model that is nothing but named buffers. */
    private static final class MapModel implements dev.netc.api.GeneratedModel {
        final java.util.Map<String, float[]> buffers = new java.util.HashMap<>();
        public void setBatch(int batch) {}
        public int batch() { return 0; }
        public float[] floatBuffer(String name) { return buffers.get(name); }
        public int[] intBuffer(String name) { throw new UnsupportedOperationException(); }
        public void predict() {}
        public void forward(boolean training) {}
        public void backward() {}
        public void update(float learningRate, int step) {}
        public void setSeed(long seed) {}
        public java.util.Map<String, float[]> optimizerState() { return java.util.Map.of(); }
    }
}
