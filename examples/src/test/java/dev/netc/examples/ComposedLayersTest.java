package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.autodiff.GradientChecker;
import dev.netc.api.GeneratedModel;
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
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layers, activations and losses the frontend composes from primitive ops (batch_norm,
 * leaky_relu, elu, softplus, avg_pool, concat, slice, the losses, weight penalties), and the newer
 * ones (gelu, silu, hard_sigmoid, mish, erf, layer_norm): float64 finite
 * differences of the whole composition, and generated Java code against the interpreter in both the
 * training and the inference mode.
 */
class ComposedLayersTest {
    private static final String MODEL = """
            model m {
              input x: DT[B, 2, 4, 4]
              h = conv2d(x, 3, 3, padding=same, kernel_init=normal(0.5), bias_init=normal(0.5))
              h = batch_norm(h, momentum=0.9)
              h = leaky_relu(h, 0.2)
              h = elu(h, 0.7)
              h = avg_pool(h, 2)
              h = flatten(h)
              a = dense(h, 4, activation=softplus, kernel_regularizer=l1_l2(l1=0.01, l2=0.02))
              b = slice(a, 1, 1, 3)
              c = concat([a, b], axis=1)
              c = batch_norm(c)
              logits = dense(c, 3, activation=elu)
              output logits
            }
            train m {
              input y: DT[B, 3]
              loss = mse(logits, y) + sigmoid_cross_entropy(logits, y, reduction=sum) + nll(log_softmax(logits), y)
                     + categorical_cross_entropy(softmax(logits), y) + l2(a, 0.05)
              optimizer = sgd(lr=0.1)
              batch = 4
            }
            """;

    /**
     * The activations and the layer added on the shared kernel layer (gelu exact and tanh, silu/swish,
     * hard_sigmoid, erf, layer_norm over the last axis of a rank-2 and a rank-3 value), on odd sizes.
     */
    private static final String MODERN = """
            model m {
              input x: DT[B, 7]
              h = dense(x, 9, activation=gelu, kernel_init=normal(0.7), bias_init=normal(0.5))
              h = layer_norm(h)
              a = dense(h, 6, activation=silu, kernel_init=normal(0.7), bias_init=normal(0.5))
              b = dense(h, 6, activation=hard_sigmoid, kernel_init=normal(2.0), bias_init=normal(0.5))
              c = gelu(a * b + swish(erf(a)), approximate=tanh)
              r = reshape(concat([c, a, b], axis=1), [-1, 3, 6])
              r = layer_norm(r, epsilon=0.001)
              logits = dense(mish(flatten(r)), 3)
              output logits
            }
            train m {
              input y: DT[B, 3]
              loss = mse(logits, y)
              optimizer = sgd(lr=0.1)
              batch = 5
            }
            """;

    private static final Map<String, String> MODELS = Map.of("composed", MODEL, "modern", MODERN);

    private static CheckedModel check(String model, String dtype) {
        CheckResult r = Frontend.check(new SourceFile(model + ".net", MODELS.get(model).replace("DT", dtype)));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    /** Random inputs and parameters; one-hot targets; positive moving variances. */
    private static Map<String, DTensor> feeds(Graph g, int batch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(Map.of("B", batch));
            switch (n.op()) {
                case Op.Input in when in.name().equals("y") -> {
                    double[] d = new double[DTensor.count(shape)];
                    for (int i = 0; i < shape[0]; i++) d[i * shape[1] + rng.nextInt(shape[1])] = 1;
                    feeds.put("y", new DTensor(shape, d));
                }
                case Op.Input in -> feeds.put(in.name(), DTensor.random(shape, rng, -1, 1));
                case Op.Parameter p when p.name().contains("moving") -> feeds.put(p.name(), DTensor.random(shape, rng, 0.5, 1.5));
                case Op.Parameter p -> feeds.put(p.name(), DTensor.random(shape, rng, -0.8, 0.8));
                default -> { }
            }
        }
        return feeds;
    }

    @ParameterizedTest
    @ValueSource(strings = {"composed", "modern"})
    void gradientsMatchFiniteDifferencesInFloat64(String model) {
        CheckedModel m = check(model, "f64");
        Graph g = m.graph();
        int batch = model.equals("modern") ? 5 : 4;
        GradientChecker.Result r = GradientChecker.check(g, feeds(g, batch, 3), Map.of("B", batch), GradientChecker.DEFAULT_EPS);
        assertTrue(r.entries() > 100, "entries compared: " + r.entries());
        assertTrue(r.maxError() < 1e-6, "gradient mismatch " + r.maxError() + " at " + r.worst());
    }

    @ParameterizedTest
    @ValueSource(strings = {"composed", "modern"})
    void generatedCodeMatchesTheInterpreterInBothModes(String model) {
        CheckedModel m = check(model, "f32");
        OptimizerSpec sgd = new OptimizerSpec.Sgd(0.1, 0, false, 0);
        Graph g = Pipeline.graph(m, CompileOptions.training().withOptimizer(sgd));
        assertEquals(model.equals("composed") ? 4 : 0, g.parameterUpdates().size(), "moving statistics");
        int batch = model.equals("modern") ? 5 : 4;
        Map<String, DTensor> feeds = feeds(g, batch, 5);
        for (boolean fuse : new boolean[] {false, true}) {
            GeneratedModel net = JavaBackend.compile(Pipeline.compile(g, sgd, CompileOptions.training().fused(fuse)), "composed");
            net.setBatch(batch);
            load(net, g, feeds);
            net.forward(true);
            net.backward();
            Map<String, DTensor> training = Interpreter.runOutputs(g, feeds, Map.of("B", batch), true, 0);
            for (var e : training.entrySet()) assertClose(e.getValue(), net.floatBuffer(e.getKey()), "training " + e.getKey());
            net.predict();
            DTensor inference = Interpreter.runOutputs(g, feeds, Map.of("B", batch), false, 0).get("logits");
            assertClose(inference, net.floatBuffer("logits"), "inference logits");
        }
    }

    private static void load(GeneratedModel net, Graph g, Map<String, DTensor> feeds) {
        for (Node n : g.nodes()) {
            String name = n.op() instanceof Op.Input in ? in.name() : n.op() instanceof Op.Parameter p ? p.name() : null;
            if (name == null) continue;
            assertEquals(DType.F32, n.type().dtype());
            float[] dst = net.floatBuffer(name);
            double[] src = feeds.get(name).data();
            for (int i = 0; i < src.length; i++) dst[i] = (float) src[i];
        }
    }

    /** Relative to the larger of the element and the tensor's root-mean-square (float32 sums cancel). */
    private static void assertClose(DTensor expected, float[] actual, String what) {
        double[] e = expected.data();
        assertEquals(e.length, actual.length, what);
        double ss = 0;
        for (double v : e) ss += v * v;
        double rms = Math.sqrt(ss / Math.max(1, e.length));
        for (int i = 0; i < e.length; i++) {
            double scale = Math.max(Math.max(Math.abs(e[i]), rms), 1e-3); // e.g. a conv bias before batch norm: exactly 0
            if (!(Math.abs(actual[i] - e[i]) <= 2e-4 * scale))
                fail(what + "[" + i + "]: expected " + e[i] + " but got " + actual[i]);
        }
    }
}
