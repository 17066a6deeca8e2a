package dev.netc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.autodiff.GradientChecker;
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
import dev.netc.ir.eval.RandomFeeds;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.PoolingRewrite;
import dev.netc.ir.train.OptimizerSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PipelineTest {

    /**
     * Names that look like roles: the features input is called "grad", a dense layer named "grad" makes
     * parameters "grad/kernel" and "grad/bias" (so the parameter "kernel" cannot have its gradient output
     * called "grad/kernel"), and a batch norm named "update" makes parameters "update/...".
     */
    static final String TRICKY = read("/confusing_names.net");

    private static String read(String resource) {
        try (var in = PipelineTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static CheckedModel parse(String name, String text) {
        CheckResult r = Frontend.check(new SourceFile(name, text));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    static CheckedModel example(String file) throws IOException {
        Path root = Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize();
        CheckResult r = Frontend.check(SourceFile.read(root.resolve("examples").resolve(file)));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    @Test
    void fusedPlanHasFewerKernelsThanTheUnfusedOneOverTheSameGraph() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        Compilation fused = Pipeline.compile(m, CompileOptions.training());
        Compilation unfused = Pipeline.compile(m, CompileOptions.training().fused(false));
        assertTrue(fused.fused());
        assertFalse(unfused.fused());
        assertTrue(fused.plan().kernels().size() < unfused.plan().kernels().size(),
                fused.plan().kernels().size() + " fused vs " + unfused.plan().kernels().size() + " unfused kernels");
        // the fused plan's graph is the same after the pooling rewrites, which serve fusion only
        assertEquals(PoolingRewrite.apply(unfused.graph()), fused.graph(), "fusion plans the same graph, pooling rewritten");
        assertTrue(fused.graph().nodes().stream().anyMatch(n -> n.op() instanceof dev.netc.ir.Op.MaxPoolGradIndexed));
        assertTrue(unfused.rejected().isEmpty(), "an unfused plan considers no candidates");
        assertFalse(fused.rejected().isEmpty(), "the fused plan explains what it did not fuse");
        assertSame(fused.plan(), fused.fusion().plan());
        // unfused: one kernel per computed op
        long computed = unfused.plan().kernels().stream().mapToLong(k -> k.allNodes().size()).sum();
        assertEquals(unfused.plan().kernels().size(), computed);
    }

    @Test
    void everyTrainableParameterOfMnistCnnHasItsGradientRecorded() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        Compilation c = Pipeline.compile(m, CompileOptions.training());
        Graph g = c.graph();
        assertEquals(m.train().orElseThrow().optimizer(), c.optimizer());
        assertTrue(c.trains());
        assertEquals(8, g.trainableParameters().size(), "two convolutions and two dense layers, kernel and bias each");
        assertEquals(g.trainableParameters().stream().map(Node::id).collect(Collectors.toSet()), g.gradients().keySet());
        Set<Integer> backward = c.plan().kernels(Kernel.Phase.BACKWARD).stream()
                .flatMap(k -> k.allNodes().stream()).collect(Collectors.toSet());
        for (Node p : g.trainableParameters()) {
            int grad = g.gradients().get(p.id());
            String name = ((Op.Parameter) p.op()).name();
            assertEquals(p.type(), g.node(grad).type(), name);
            assertEquals(Graph.GRAD_PREFIX + name, g.gradientOutput(p.id()).orElseThrow(), "the conventional buffer name");
            assertEquals(Graph.OutputRole.GRADIENT, g.role(Graph.GRAD_PREFIX + name));
            assertTrue(backward.contains(grad), name + "'s gradient is computed in the backward pass");
        }
        assertEquals(Graph.OutputRole.LOSS, g.role(Graph.LOSS));
        assertEquals(Graph.OutputRole.MODEL, g.role("logits"));
        assertTrue(g.parameterUpdates().isEmpty(), "no batch norm, no moving statistics");
    }

    @Test
    void theMemoryPlanIsMadeAtThePlanningBatch() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        Compilation atDefault = Pipeline.compile(m, CompileOptions.training());
        Compilation at50 = Pipeline.compile(m, CompileOptions.training().atBatch(50));
        assertEquals(CompileOptions.DEFAULT_PLANNING_BATCH, atDefault.planningBatch());
        assertEquals(50, at50.planningBatch());
        assertTrue(at50.memory().peakBytes() > at50.memory().leafBytes(), "activations take memory");
        assertTrue(at50.memory().peakBytes() <= at50.memory().peakBytesWithoutReuse());
        assertTrue(at50.memory().peakBytes() < atDefault.memory().peakBytes(), "a smaller batch needs less");
        assertEquals(at50.plan().kernels().size(), at50.memory().order().size(), "every kernel is in the memory plan's order");
    }

    @Test
    void inferenceCompilesTheForwardGraphWithoutGradientsOrOptimizer() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        Compilation c = Pipeline.compile(m, CompileOptions.inferenceOnly());
        assertNull(c.optimizer());
        assertFalse(c.trains());
        assertSame(m.graph(), c.graph());
        assertTrue(c.graph().gradients().isEmpty());
        assertTrue(c.plan().kernels(Kernel.Phase.BACKWARD).isEmpty());
    }

    @Test
    void theOptimizerCanBeReplacedAndAModelWithoutTrainBlockCannotTrain() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        OptimizerSpec sgd = new OptimizerSpec.Sgd(0.1, 0, false, 0);
        assertEquals(sgd, Pipeline.compile(m, CompileOptions.training().withOptimizer(sgd)).optimizer());

        CheckedModel forwardOnly = parse("f.net", """
                model f {
                  input x: f32[B, 3]
                  y = dense(x, 2)
                  output y
                }
                """);
        var e = assertThrows(IllegalArgumentException.class, () -> Pipeline.compile(forwardOnly, CompileOptions.training()));
        assertTrue(e.getMessage().contains("no train block"), e.getMessage());
        assertTrue(Pipeline.compile(forwardOnly, CompileOptions.inferenceOnly()).graph().gradients().isEmpty());
    }

    @Test
    void aGraphThatAlreadyRecordsGradientsIsNotDifferentiatedTwice() throws IOException {
        CheckedModel m = example("mnist_cnn.net");
        Graph g = Pipeline.graph(m, CompileOptions.training());
        Compilation again = Pipeline.compile(g, m.train().orElseThrow().optimizer(), CompileOptions.training());
        assertEquals(PoolingRewrite.apply(g), again.graph(), "no second backward pass: only the pooling rewrites of fusion");
        assertSame(g, Pipeline.compile(g, m.train().orElseThrow().optimizer(), CompileOptions.training().fused(false)).graph());
    }

    @Test
    void namesThatLookLikeRolesConfuseNothing() {
        CheckedModel m = parse("tricky.net", TRICKY);
        Compilation c = Pipeline.compile(m, CompileOptions.training());
        Graph g = c.graph();
        int kernel = g.parameterNamed("kernel").orElseThrow().id();
        int denseKernel = g.parameterNamed("grad/kernel").orElseThrow().id();
        assertEquals(5, g.trainableParameters().size(), "kernel, grad/kernel, grad/bias, update/gamma, update/beta");
        assertEquals(g.trainableParameters().stream().map(Node::id).collect(Collectors.toSet()), g.gradients().keySet());

        // the parameter "grad/kernel" keeps its name; the gradient of "kernel" gets another one
        assertEquals("grad/kernel#2", g.gradientOutput(kernel).orElseThrow());
        assertEquals("grad/grad/kernel", g.gradientOutput(denseKernel).orElseThrow());
        assertFalse(g.outputs().containsKey("grad/kernel"), "no output hides the parameter grad/kernel");
        assertEquals(Graph.OutputRole.GRADIENT, g.role("grad/kernel#2"));

        // batch norm "update": its moving statistics are parameter updates, its gamma and beta are trained
        int mean = g.parameterNamed("update/moving_mean").orElseThrow().id();
        int variance = g.parameterNamed("update/moving_variance").orElseThrow().id();
        assertEquals(Set.of(mean, variance), g.parameterUpdates().keySet());
        assertEquals(Graph.OutputRole.PARAMETER_UPDATE, g.role("update/update/moving_mean"));
        assertFalse(g.gradients().containsKey(mean));

        // the input named "grad" is the features input, not a gradient
        assertEquals("grad", m.train().orElseThrow().featuresInput());
        assertEquals(Graph.OutputRole.MODEL, g.role("logits"));

        // and the recorded gradients are the right ones: they match finite differences
        Map<String, DTensor> feeds = feeds(g, 6);
        GradientChecker.Result r = GradientChecker.check(g, feeds, Map.of("B", 6), GradientChecker.DEFAULT_EPS);
        assertEquals(4 * 3 + 4 * 4 + 4 + 4 + 4, r.entries());
        assertTrue(r.maxError() < 1e-5, "gradient mismatch " + r.maxError() + " at " + r.worst());
    }

    @Test
    void outputRolesSurviveRebuildingTheGraph() {
        Graph g = Pipeline.graph(parse("tricky.net", TRICKY), CompileOptions.training());
        Graph withExtra = g.withOutput("extra", 0);
        assertEquals(g.gradients(), withExtra.gradients());
        assertEquals(g.parameterUpdates(), withExtra.parameterUpdates());
        Graph rebuilt = new dev.netc.ir.GraphBuilder(g).build();
        assertEquals(g, rebuilt);
        assertNotEquals(g, new Graph(g.nodes(), g.outputs()), "the roles are part of the graph");
    }

    /** Random inputs and parameters; labels in [0, 3); positive moving statistics. */
    static Map<String, DTensor> feeds(Graph g, int batch) {
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, DTensor> feeds = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(Map.of("B", batch));
            switch (n.op()) {
                case Op.Input in when n.type().dtype() == DType.I32 -> {
                    double[] labels = new double[DTensor.count(shape)];
                    for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(3);
                    feeds.put(in.name(), new DTensor(shape, labels));
                }
                case Op.Input in -> feeds.put(in.name(), RandomFeeds.nonZero(shape, rng, 1.0));
                case Op.Parameter p when !p.trainable() -> feeds.put(p.name(), RandomFeeds.positive(shape, rng));
                case Op.Parameter p -> feeds.put(p.name(), RandomFeeds.nonZero(shape, rng, 0.5));
                default -> { }
            }
        }
        return feeds;
    }
}
