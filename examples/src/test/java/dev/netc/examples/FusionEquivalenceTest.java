package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.plan.Compilation;
import dev.netc.api.GeneratedModel;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.RandomFeeds;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every example model with a loss: the fused and the unfused generated code agree within 1e-5
 * (relative, element by element) on model outputs, loss and every gradient, with dropout active
 * under the same seed and with it off; and both agree with the float64 interpreter within 1e-4
 * (normwise; 1e-3 per element) with dropout off.
 */
class FusionEquivalenceTest {
    static final int BATCH = 4;

    static Stream<Arguments> modelsWithLoss() {
        return Examples.all().stream().flatMap(file -> models(file).stream()
                .filter(m -> m.graph().output(Graph.LOSS).isPresent())
                .map(m -> Arguments.of(file.getFileName() + ":" + m.name(), m)));
    }

    static List<CheckedModel> models(Path file) {
        try {
            CheckResult r = Frontend.check(SourceFile.read(file));
            assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
            return r.models();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fused against unfused, element by element: a pooled 5 x 5 convolution on 16+ channels takes its
     * forward pass, backward-data and filter gradients by Winograd in the fused plan (AVX-512; the forward's
     * argmax decided as exact arithmetic would, see WinogradArgmax), which rounds differently
     * from the direct kernels the unfused plan runs (the MNIST CNN's conv2 kernel gradient: 1.3e-5 at
     * worst, against 1e-5 before); the interpreter comparisons below are unchanged.
     */
    private static final double FUSED_VS_UNFUSED = 5e-5;

    @ParameterizedTest(name = "{0}")
    @MethodSource("modelsWithLoss")
    void fusedAndUnfusedAgreeAndMatchTheInterpreter(String name, CheckedModel model) {
        Compilation fusedPlan = Pipeline.compile(model, CompileOptions.training());
        Graph g = fusedPlan.graph();
        assertFalse(g.gradients().isEmpty(), name + " has gradients");
        OptimizerSpec optimizer = model.train().map(TrainSpec::optimizer).orElse(null);
        Compilation unfusedPlan = Pipeline.compile(g, optimizer, CompileOptions.training().fused(false));
        Map<String, DTensor> feeds = randomFeeds(g, 2024);
        assertTrue(fusedPlan.plan().kernels().size() < unfusedPlan.plan().kernels().size(), name + ": fusion merged some kernels");
        GeneratedModel fused = JavaBackend.compile(fusedPlan, model.name());
        GeneratedModel unfused = JavaBackend.compile(unfusedPlan, model.name());

        // dropout on, same seed: fused and unfused draw the same masks
        Map<String, double[]> trainFused = run(fused, g, feeds, true), trainUnfused = run(unfused, g, feeds, true);
        for (String out : g.outputs().keySet())
            assertClose(trainUnfused.get(out), trainFused.get(out), FUSED_VS_UNFUSED, name + " training " + out + ", fused vs unfused");

        // dropout off: both against the float64 reference
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, bindings(g), false, 0);
        Map<String, double[]> evalFused = run(fused, g, feeds, false), evalUnfused = run(unfused, g, feeds, false);
        for (String out : g.outputs().keySet()) {
            assertClose(evalUnfused.get(out), evalFused.get(out), FUSED_VS_UNFUSED, name + " " + out + ", fused vs unfused");
            assertNear(expected.get(out).data(), evalFused.get(out), name + " " + out + ", fused vs interpreter");
            assertNear(expected.get(out).data(), evalUnfused.get(out), name + " " + out + ", unfused vs interpreter");
        }
    }

    /** Loads the feeds, runs forward then backward, and reads every graph output. */
    private static Map<String, double[]> run(GeneratedModel m, Graph g, Map<String, DTensor> feeds, boolean training) {
        m.setBatch(BATCH);
        load(m, g, feeds);
        m.setSeed(31);
        m.forward(training);
        m.backward();
        Map<String, double[]> out = new LinkedHashMap<>();
        for (var e : g.outputs().entrySet()) {
            double[] values;
            if (g.node(e.getValue()).type().dtype() == DType.I32) {
                int[] v = m.intBuffer(e.getKey());
                values = new double[v.length];
                for (int i = 0; i < v.length; i++) values[i] = v[i];
            } else {
                float[] v = m.floatBuffer(e.getKey());
                values = new double[v.length];
                for (int i = 0; i < v.length; i++) values[i] = v[i];
            }
            assertEquals(g.node(e.getValue()).type().shape().elementCount(bindings(g)), values.length, e.getKey() + " size");
            out.put(e.getKey(), values);
        }
        return out;
    }

    static Map<String, Integer> bindings(Graph g) {
        Map<String, Integer> b = new HashMap<>();
        for (Node n : g.nodes()) for (Dim d : n.type().shape().dims()) if (d instanceof Dim.Sym s) b.put(s.name(), BATCH);
        return b;
    }

    /**
     * Non-zero inputs in ±[0.1, 1]; trainable parameters in ±[0.1, 1] / sqrt(fan_in); frozen ones (moving
     * statistics) in [0.5, 1.5], so variances are positive; labels within the one_hot depth.
     */
    static Map<String, DTensor> randomFeeds(Graph g, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(bindings(g));
            switch (n.op()) {
                case Op.Input in when n.type().dtype() == DType.I32 -> {
                    int classes = RandomFeeds.labelDepth(g, n, 2);
                    double[] labels = new double[DTensor.count(shape)];
                    for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(classes);
                    feeds.put(in.name(), new DTensor(shape, labels));
                }
                case Op.Input in -> feeds.put(in.name(), RandomFeeds.nonZero(shape, rng, 1.0));
                case Op.Parameter p when !p.trainable() -> feeds.put(p.name(), RandomFeeds.positive(shape, rng)); // e.g. moving variances
                case Op.Parameter p -> feeds.put(p.name(), RandomFeeds.nonZero(shape, rng, 1 / Math.sqrt(Init.fans(shape)[0])));
                default -> { }
            }
        }
        return feeds;
    }




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
                for (int i = 0; i < src.length; i++) dst[i] = (int) src[i];
            } else {
                float[] dst = m.floatBuffer(name);
                for (int i = 0; i < src.length; i++) dst[i] = (float) src[i];
            }
        }
    }

    /**
     * float32 against float64: the error relative to the tensor's size (||a - e|| / ||e||) within 1e-4,
     * and every element within 1e-3 (relative as in {@link #assertClose}). Deep models (batch norm,
     * residual blocks) sum many mixed-sign float32 terms, so single small elements may miss 1e-4.
     */
    private static void assertNear(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        double relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
        assertTrue(relative <= 1e-4, what + ": normwise relative error " + relative);
        assertClose(expected, actual, 1e-3, what);
    }

    /**
     * |actual - expected| <= rtol * max(|expected|, rms(expected)) element by element: relative, except
     * that elements far below the tensor's typical size are held to the typical size (float32 sums of
     * mixed-sign terms cannot do better).
     */
    private static void assertClose(double[] expected, double[] actual, double rtol, String what) {
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
