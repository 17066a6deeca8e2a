package dev.netc.runtime.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JavaBackendTest {

    /** A two-layer classifier of 2-D points into 3 classes, trained with softmax cross-entropy. */
    private static Graph classifier() throws Exception {
        Dim b = Dim.sym("B");
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(b, Dim.of(2))));
        int labels = g.input("labels", new TensorType(DType.I32, Shape.of(b)));
        int w1 = g.parameter("hidden/kernel", TensorType.f32(2, 16), new Init.GlorotUniform(), true);
        int b1 = g.parameter("hidden/bias", TensorType.f32(16), new Init.Zeros(), true);
        int w2 = g.parameter("out/kernel", TensorType.f32(16, 3), new Init.GlorotUniform(), true);
        int h = g.add(new Op.Unary(UnaryFn.TANH), "hidden",
                g.add(new Op.Binary(BinaryFn.ADD), null, g.add(new Op.MatMul(false, false), null, x, w1), b1));
        int logits = g.add(new Op.MatMul(false, false), "logits", h, w2);
        g.output("logits", logits);
        int nll = g.add(new Op.Unary(UnaryFn.NEG), null, g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), null,
                g.add(new Op.Binary(BinaryFn.MUL), null, g.add(new Op.LogSoftmax(1), null, logits), g.add(new Op.OneHot(3), null, labels))));
        g.output("loss", g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), "loss", nll));
        return g.build();
    }

    private static float train(GeneratedModel m, int steps) {
        SplittableRandom rng = new SplittableRandom(5);
        float[] w1 = m.floatBuffer("hidden/kernel"), w2 = m.floatBuffer("out/kernel");
        for (int i = 0; i < w1.length; i++) w1[i] = (float) (rng.nextDouble() - 0.5);
        for (int i = 0; i < w2.length; i++) w2[i] = (float) (rng.nextDouble() - 0.5);
        m.setBatch(30);
        float[] x = m.floatBuffer("x");
        int[] labels = m.intBuffer("labels");
        for (int i = 0; i < 30; i++) { // three separable clusters
            labels[i] = i % 3;
            x[2 * i] = (float) (labels[i] - 1 + 0.2 * (rng.nextDouble() - 0.5));
            x[2 * i + 1] = (float) ((labels[i] == 1 ? 1 : -1) + 0.2 * (rng.nextDouble() - 0.5));
        }
        float first = Float.NaN;
        for (int step = 1; step <= steps; step++) {
            m.forward(true);
            if (step == 1) first = m.floatBuffer("loss")[0];
            m.backward();
            m.update(0.05f, step);
        }
        m.forward(false);
        float last = m.floatBuffer("loss")[0];
        assertTrue(last < 0.5f * first, "loss fell from " + first + " to " + last);
        return last;
    }

    @Test
    void compilesDifferentiatesAndTrainsFusedAndUnfused() throws Exception {
        Graph g = classifier();
        OptimizerSpec adam = new OptimizerSpec.Adam(0.05, 0.9, 0.999, 1e-7);
        float fused = train(JavaBackend.compile(Pipeline.compile(g, adam, CompileOptions.training()), "toy"), 60);
        float unfused = train(JavaBackend.compile(Pipeline.compile(g, adam, CompileOptions.training().fused(false)), "toy"), 60);
        assertEquals(unfused, fused, 1e-4 * Math.max(1, Math.abs(unfused)), "fusion does not change training");
    }

    @Test
    void sourcesAreOneFilePerClassNamedAfterTheModel() throws Exception {
        Map<String, String> files = JavaBackend.sources(
                Pipeline.compile(classifier(), new OptimizerSpec.Sgd(0.1, 0.9, true, 0), CompileOptions.training()), "mnist-cnn");
        assertEquals(List.of("dev/netc/generated/MnistCnn.java"), List.copyOf(files.keySet()));
        String src = files.get("dev/netc/generated/MnistCnn.java");
        assertTrue(src.contains("package dev.netc.generated;") && src.contains("class MnistCnn implements GeneratedModel"));
        assertTrue(src.contains("\"momentum/hidden/kernel\""), "momentum state is named after the parameter");
        assertEquals("Model3layer", JavaBackend.className("3layer"));
    }
}
