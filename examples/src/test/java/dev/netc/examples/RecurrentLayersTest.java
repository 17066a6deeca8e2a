package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.api.GeneratedModel;
import dev.netc.autodiff.GradientChecker;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The recurrent layers (lstm, gru, simple_rnn, bidirectional; forwards, backwards, sequences and
 * last states, stacked) at odd sizes: float64 finite differences of the unrolled graph, so
 * backpropagation through time is checked end to end, and generated Java code against the float64
 * reference, fused and unfused.
 */
class RecurrentLayersTest {
    static final String MODEL = """
            model m {
              input x: DT[B, 5, 3]
              a = lstm(x, 4, return_sequences=true)
              b = gru(a, 3, go_backwards=true, return_sequences=true)
              c = bidirectional(b, simple_rnn, 2, merge=concat)
              d = bidirectional(a, gru, 3, merge=ave)
              e = bidirectional(x, lstm, 2, merge=sum, return_sequences=true)
              logits = dense(concat([c, d, flatten(e)], axis=1), 3)
              output logits
            }
            train m {
              input y: DT[B, 3]
              loss = mse(logits, y)
              optimizer = sgd(lr=0.1)
              batch = 3
            }
            """;
    private static final int BATCH = 3;

    /** An embedding whose 4 ids over 3 x 6 positions repeat (the scatter-add accumulates) and include 7 and 8, outside the table (zero rows). */
    static final String EMBEDDING = """
            model m {
              input ids: i32[B, 6]
              h = embedding(ids, 7, 3)
              h = lstm(h, 4, return_sequences=true)
              logits = dense(flatten(h), 3)
              output logits
            }
            train m {
              input y: f32[B, 3]
              loss = mse(logits, y)
              optimizer = sgd(lr=0.1)
              batch = 3
            }
            """;

    static CheckedModel check(String dtype) { return checkSource(MODEL.replace("DT", dtype)); }

    static CheckedModel checkSource(String source) {
        CheckResult r = Frontend.check(new SourceFile("recurrent.net", source));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    /** Random inputs, targets and parameters (wide enough that the gates leave their linear range). */
    static Map<String, DTensor> feeds(Graph g, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(Map.of("B", BATCH));
            switch (n.op()) {
                case Op.Input in when in.name().equals("ids") -> {
                    double[] d = new double[DTensor.count(shape)];
                    for (int i = 0; i < d.length; i++) d[i] = i % 5 == 4 ? 7 + i % 2 : rng.nextInt(4);
                    feeds.put("ids", new DTensor(shape, d));
                }
                case Op.Input in -> feeds.put(in.name(), DTensor.random(shape, rng, -1, 1));
                case Op.Parameter p -> feeds.put(p.name(), DTensor.random(shape, rng, -0.9, 0.9));
                default -> { }
            }
        }
        return feeds;
    }

    @Test
    void gradientsThroughTimeMatchFiniteDifferencesInFloat64() {
        Graph g = check("f64").graph();
        GradientChecker.Result r = GradientChecker.check(g, feeds(g, 7), Map.of("B", BATCH), GradientChecker.DEFAULT_EPS);
        assertTrue(r.entries() > 300, "entries compared: " + r.entries());
        assertTrue(r.maxError() < 1e-6, "gradient mismatch " + r.maxError() + " at " + r.worst());
    }

    @Test
    void embeddingGradientIsAScatterAddMatchingFiniteDifferences() {
        Graph g = checkSource(EMBEDDING).graph();
        assertTrue(g.nodes().stream().anyMatch(n -> n.op() instanceof dev.netc.ir.Gather));
        GradientChecker.Result r = GradientChecker.check(g, feeds(g, 5), Map.of("B", BATCH), GradientChecker.DEFAULT_EPS);
        assertTrue(r.entries() > 100, "entries compared: " + r.entries());
        assertTrue(r.maxError() < 1e-6, "gradient mismatch " + r.maxError() + " at " + r.worst());
        Graph withGrads = Pipeline.graph(checkSource(EMBEDDING), CompileOptions.training().withOptimizer(new OptimizerSpec.Sgd(0.1, 0, false, 0)));
        assertTrue(withGrads.nodes().stream().anyMatch(n -> n.op() instanceof dev.netc.ir.Gather.Grad), "the table's gradient is a scatter-add");
    }

    @Test
    void generatedJavaMatchesTheReferenceFusedAndUnfused() {
        javaMatchesReference(check("f32"));
        javaMatchesReference(checkSource(EMBEDDING));
    }

    private static void javaMatchesReference(CheckedModel m) {
        OptimizerSpec sgd = new OptimizerSpec.Sgd(0.1, 0, false, 0);
        Graph g = Pipeline.graph(m, CompileOptions.training().withOptimizer(sgd));
        Map<String, DTensor> feeds = feeds(g, 9);
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", BATCH), true, 0);
        for (boolean fuse : new boolean[] {false, true}) {
            GeneratedModel net = JavaBackend.compile(Pipeline.compile(g, sgd, CompileOptions.training().fused(fuse)), "recurrent");
            net.setBatch(BATCH);
            for (var f : feeds.entrySet()) {
                double[] src = f.getValue().data();
                if (f.getKey().equals("ids")) {
                    int[] dst = net.intBuffer("ids");
                    for (int i = 0; i < src.length; i++) dst[i] = (int) src[i];
                    continue;
                }
                float[] dst = net.floatBuffer(f.getKey());
                for (int i = 0; i < src.length; i++) dst[i] = (float) src[i];
            }
            net.forward(true);
            net.backward();
            for (var e : expected.entrySet()) assertClose(e.getValue(), net.floatBuffer(e.getKey()), (fuse ? "fused " : "unfused ") + e.getKey());
        }
    }

    /** Relative to the larger of the element and the tensor's root-mean-square. */
    static void assertClose(DTensor expected, float[] actual, String what) {
        double[] e = expected.data();
        assertEquals(e.length, actual.length, what);
        double ss = 0;
        for (double v : e) ss += v * v;
        double rms = Math.sqrt(ss / Math.max(1, e.length));
        for (int i = 0; i < e.length; i++) {
            double scale = Math.max(Math.max(Math.abs(e[i]), rms), 1e-3);
            if (!(Math.abs(actual[i] - e[i]) <= 2e-4 * scale)) fail(what + "[" + i + "]: expected " + e[i] + " but got " + actual[i]);
        }
    }
}
