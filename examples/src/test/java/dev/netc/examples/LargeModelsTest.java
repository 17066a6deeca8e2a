package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.eval.RandomFeeds;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.Kernel;
import dev.netc.runtime.backend.JavaBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models far beyond what fits one generated class or method still compile and run: the Java backend
 * splits its code (nested classes, chained methods, shared kernel shapes) and fusion caps a kernel at
 * {@link FuseOps#MAX_KERNEL_NODES} nodes. Sizes here keep the test quick; {@code netc train --steps 1}
 * on a 2,000-layer MLP works the same way.
 */
class LargeModelsTest {
    private static final int BATCH = 4;

    @TempDir Path dir;

    /** A dense layer, then {@code statements} lines of three elementwise ops each, then a dense layer to two logits. */
    static String chain(int statements) {
        StringBuilder sb = new StringBuilder("model chain {\n  input x: f32[B, 2]\n  h = dense(x, 8)\n");
        for (int i = 0; i < statements; i++) sb.append("  h = tanh(h * 0.9 + 0.1)\n");
        return sb.append("  logits = dense(h, 2)\n  output logits\n}\n\n").append(train("chain", "adam(lr=0.001)")).toString();
    }

    /** {@code layers} dense ReLU layers of width 16, then two logits. */
    static String mlp(int layers, String optimizer) {
        StringBuilder sb = new StringBuilder("model deep {\n  input x: f32[B, 2]\n  h = x\n");
        for (int i = 0; i < layers; i++) sb.append("  h = dense(h, 16, activation=relu)\n");
        return sb.append("  logits = dense(h, 2)\n  output logits\n}\n\n").append(train("deep", optimizer)).toString();
    }

    private static String train(String model, String optimizer) {
        return "train " + model + " {\n  input y: i32[B]\n  loss = softmax_cross_entropy(logits, y)\n  optimizer = " + optimizer
                + "\n  batch = 16\n  epochs = 1\n  dataset = spirals(points=64, noise=0.05, turns=1.5)\n  metrics = [accuracy]\n}\n";
    }

    private static CheckedModel check(String source) {
        CheckResult r = Frontend.check(new SourceFile("large.net", source));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    @Test
    void twoThousandChainedElementwiseStatementsCompileAndMatchTheInterpreter() {
        CheckedModel model = check(chain(2000));
        Compilation c = Pipeline.compile(model, CompileOptions.training());
        for (Kernel k : c.plan().kernels())
            assertTrue(k.nodes().size() <= FuseOps.MAX_KERNEL_NODES, k.name() + " has " + k.nodes().size() + " nodes");
        assertTrue(c.fusion().rejected().stream().anyMatch(d -> d.reason().contains("over the limit of " + FuseOps.MAX_KERNEL_NODES)),
                "the cut chain shows up among the rejected candidates");
        Graph g = c.graph();
        GeneratedModel m = JavaBackend.compile(c, model.name());
        Map<String, DTensor> feeds = feeds(g);
        m.setBatch(BATCH);
        for (var e : feeds.entrySet()) {
            double[] v = e.getValue().data();
            if (g.inputNamed(e.getKey()).map(n -> n.type().dtype() == DType.I32).orElse(false)) {
                int[] dst = m.intBuffer(e.getKey());
                for (int i = 0; i < v.length; i++) dst[i] = (int) v[i];
            } else {
                float[] dst = m.floatBuffer(e.getKey());
                for (int i = 0; i < v.length; i++) dst[i] = (float) v[i];
            }
        }
        m.forward(false);
        m.backward();
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", BATCH), false, 0);
        // the first layer's gradient has vanished through 2,000 tanh; the last layer's has not
        for (String out : List.of("logits", Graph.LOSS, "grad/dense_1/kernel", "grad/dense_1/bias")) {
            double[] want = expected.get(out).data();
            float[] got = m.floatBuffer(out);
            assertEquals(want.length, got.length, out);
            double scale = 0;
            for (double w : want) scale = Math.max(scale, Math.abs(w));
            for (int i = 0; i < want.length; i++)
                if (Math.abs(got[i] - want[i]) > 1e-3 * Math.max(scale, 1e-6))
                    fail(out + "[" + i + "]: expected " + want[i] + " but got " + got[i]);
        }
    }

    @Test
    void threeHundredDenseLayersWithAdamTrainAStep() throws Exception {
        trainsOneStep(mlp(300, "adam(lr=0.001)"));
    }

    @Test
    void aThousandLayerMlpTrainsAStep() throws Exception {
        trainsOneStep(mlp(1000, "sgd(lr=0.01, momentum=0.9)"));
    }

    private void trainsOneStep(String source) throws Exception {
        Path file = Files.writeString(dir.resolve("deep.net"), source);
        Examples.Run run = Examples.netc("train", file.toString(), "--steps", "1", "--no-progress");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("step 1/1"), run.out());
        assertTrue(run.lastLine().contains("test_loss="), run.out());
    }

    /** Inputs in ±[0.1, 1], parameters in ±[0.1, 1] / 4, labels 0 or 1. */
    private static Map<String, DTensor> feeds(Graph g) {
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(Map.of("B", BATCH));
            switch (n.op()) {
                case Op.Input in when n.type().dtype() == DType.I32 -> {
                    double[] labels = new double[DTensor.count(shape)];
                    for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(2);
                    feeds.put(in.name(), new DTensor(shape, labels));
                }
                case Op.Input in -> feeds.put(in.name(), RandomFeeds.nonZero(shape, rng, 1.0));
                case Op.Parameter p -> feeds.put(p.name(), RandomFeeds.nonZero(shape, rng, 0.25));
                default -> { }
            }
        }
        return feeds;
    }
}
