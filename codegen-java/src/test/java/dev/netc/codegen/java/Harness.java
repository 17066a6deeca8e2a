package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.RandomFeeds;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.train.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Compiles plans, feeds generated models and compares their buffers with reference tensors. */
final class Harness {
    private Harness() {}

    /** The limits {@link #compile} generates code under: {@link SplitLayoutTest} runs other tests' models split. */
    static volatile CodeLimits limits = CodeLimits.DEFAULT;

    static GeneratedModel compile(KernelPlan plan, OptimizerSpec optimizer) {
        return compile(plan, optimizer, limits);
    }

    static GeneratedModel compile(KernelPlan plan, OptimizerSpec optimizer, CodeLimits limits) {
        String source = JavaCodegen.generate(plan, optimizer, "dev.netc.generated.test", "TestModel", limits);
        return JavaModelCompiler.compile("dev.netc.generated.test", "TestModel", source);
    }

    /** Random non-zero values for every input and parameter; class labels within the one_hot depth. */
    static Map<String, DTensor> randomFeeds(Graph g, int batch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(Map.of("B", batch));
            switch (n.op()) {
                case Op.Input in when n.type().dtype() == DType.I32 -> {
                    int classes = RandomFeeds.labelDepth(g, n, 3);
                    double[] labels = new double[DTensor.count(shape)];
                    for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(classes);
                    feeds.put(in.name(), new DTensor(shape, labels));
                }
                case Op.Input in -> feeds.put(in.name(), RandomFeeds.nonZero(shape, rng, 1.0));
                case Op.Parameter p -> feeds.put(p.name(), RandomFeeds.nonZero(shape, rng, 0.7));
                default -> { }
            }
        }
        return feeds;
    }



    /** Copies the feeds into the model's input and parameter buffers. */
    static void load(GeneratedModel m, Graph g, Map<String, DTensor> feeds) {
        for (Node n : g.nodes()) {
            String name = switch (n.op()) {
                case Op.Input in -> in.name();
                case Op.Parameter p -> p.name();
                default -> null;
            };
            if (name == null) continue;
            double[] src = feeds.get(name).data();
            if (n.type().dtype() == DType.I32) {
                int[] dst = m.intBuffer(name);
                assertEquals(src.length, dst.length, "size of " + name);
                for (int i = 0; i < src.length; i++) dst[i] = (int) src[i];
            } else {
                float[] dst = m.floatBuffer(name);
                assertEquals(src.length, dst.length, "size of " + name);
                for (int i = 0; i < src.length; i++) dst[i] = (float) src[i];
            }
        }
    }

    /** An output's buffer as doubles. */
    static double[] read(GeneratedModel m, Graph g, String output) {
        Node n = g.node(g.outputs().get(output));
        if (n.type().dtype() == DType.I32) {
            int[] v = m.intBuffer(output);
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            return d;
        }
        float[] v = m.floatBuffer(output);
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /**
     * Asserts |actual - expected| <= rtol * max(|expected|, rms(expected)) element by element: relative,
     * except that elements far below the tensor's typical size are held to the typical size (float32
     * sums of mixed-sign terms cannot do better).
     */
    static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double ss = 0;
        for (double e : expected) ss += e * e;
        double rms = Math.sqrt(ss / Math.max(1, expected.length));
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(Math.max(Math.abs(expected[i]), rms), 1e-30);
            if (!(Math.abs(actual[i] - expected[i]) <= rtol * scale))
                fail(what + "[" + i + "]: expected " + expected[i] + " but got " + actual[i]
                        + " (relative error " + Math.abs(actual[i] - expected[i]) / scale + ")");
        }
    }
}
