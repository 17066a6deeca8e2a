package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pooling rewrites keep the reference semantics; the plan pools in the convolution and expands in its gradients. */
class PoolingFusionTest {
    private static final Dim B = Dim.sym("B");

    private static TensorType f32(Dim... dims) { return new TensorType(DType.F32, Shape.of(dims)); }

    /**
     * conv2d (4 filters, 3x3, same) + bias + relu + max_pool, flattened into the loss; the backward pass
     * written as autodiff writes it: max_pool_grad of the flattened upstream gradient, times the ReLU
     * mask, read by backward-filter, the bias gradient and backward-data.
     */
    private static Graph convPool(int size, int stride) throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(1), Dim.of(8), Dim.of(8)));
        int w = g.parameter("w", TensorType.f32(4, 1, 3, 3), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(4), new Init.Zeros(), true);
        int conv = g.add(new Op.Conv2d(1, Padding.uniform(1)), null, x, w);
        int bias = g.add(new Op.Reshape(Shape.of(4, 1, 1)), null, b);
        int add = g.add(new Op.Binary(BinaryFn.ADD), null, conv, bias);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), "h", add);
        int pool = g.add(new Op.MaxPool(size, stride, Padding.NONE), null, relu);
        Shape pooled = g.type(pool).shape();
        int flat = g.add(new Op.Reshape(Shape.of(B, Dim.of(pooled.size(1) * pooled.size(2) * pooled.size(3)))), "flat", pool);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", flat);
        int dyFlat = g.input("dy", g.type(flat)); // stands in for the gradient of a dense layer above
        int dy = g.add(new Op.Reshape(pooled), null, dyFlat);
        int poolGrad = g.add(new Op.MaxPoolGrad(size, stride, Padding.NONE), null, relu, dy);
        int step = g.add(new Op.Unary(UnaryFn.STEP), null, relu);
        int mask = g.add(new Op.Binary(BinaryFn.MUL), null, poolGrad, step);
        int dw = g.add(new Op.Conv2dBackwardFilter(1, Padding.uniform(1), 3, 3), null, x, mask);
        int dbias = g.add(new Op.SumTo(Shape.of(4, 1, 1)), null, mask);
        int db = g.add(new Op.Reshape(Shape.of(4)), null, dbias);
        int dx = g.add(new Op.Conv2dBackwardData(1, Padding.uniform(1), 8, 8), null, mask, w);
        g.output("loss", loss);
        g.output("flat", flat);
        g.gradient(w, "grad/w", dw);
        g.gradient(b, "grad/b", db);
        g.gradient(x, "grad/x", dx);
        return g.build();
    }

    private static int relu(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof Op.Unary u && u.fn() == UnaryFn.RELU).findFirst().orElseThrow().id();
    }

    private static long count(Graph g, Class<? extends Op> kind) {
        return g.nodes().stream().filter(n -> kind.isInstance(n.op())).count();
    }

    @Test
    void rewrittenGraphComputesTheSameOutputs() throws Exception {
        Graph original = convPool(2, 2);
        Graph rewritten = PoolingRewrite.apply(original);
        assertEquals(0, count(rewritten, Op.MaxPoolGrad.class), rewritten.toString());
        assertEquals(1, count(rewritten, Op.MaxPoolGradIndexed.class));
        assertEquals(1, count(rewritten, Op.MaxPoolArgmax.class));
        assertEquals(1, count(rewritten, Op.MaxPool.class), "the mask reads the forward max_pool, not a second one");
        // the ReLU mask is applied at pooled size: no step reads a value of the full activation's shape
        Shape full = original.node(relu(original)).type().shape();
        for (Node n : rewritten.nodes())
            if (n.op() instanceof Op.Unary u && u.fn() == UnaryFn.STEP) assertFalse(n.type().shape().equals(full), n.label());

        SplittableRandom rng = new SplittableRandom(7);
        // small integers make ties inside windows: both forms route each window to its first maximum
        double[] x = new double[3 * 64];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextInt(5) - 2;
        double[] dy = new double[3 * 16 * 4];
        for (int i = 0; i < dy.length; i++) dy[i] = rng.nextDouble() - 0.5;
        double[] w = new double[36];
        for (int i = 0; i < w.length; i++) w[i] = rng.nextInt(3) - 1;
        Map<String, DTensor> feeds = Map.of("x", new DTensor(new int[] {3, 1, 8, 8}, x), "dy", new DTensor(new int[] {3, 64}, dy),
                "w", new DTensor(new int[] {4, 1, 3, 3}, w), "b", new DTensor(new int[] {4}, new double[] {0.5, -1, 0, 1}));
        Map<String, DTensor> before = Interpreter.runOutputs(original, feeds, Map.of("B", 3), true, 0);
        Map<String, DTensor> after = Interpreter.runOutputs(rewritten, feeds, Map.of("B", 3), true, 0);
        assertEquals(before.keySet(), after.keySet());
        for (String name : before.keySet()) assertArrayEquals(before.get(name).data(), after.get(name).data(), 1e-12, name);
    }

    @Test
    void convolutionPoolsAndItsGradientsExpandThePooledGradient() throws Exception {
        Graph g = PoolingRewrite.apply(convPool(2, 2));
        FusionResult result = FuseOps.analyze(g);
        KernelPlan plan = result.plan();
        int relu = relu(g);
        Kernel conv = plan.kernels().stream().filter(k -> g.node(k.head()).op() instanceof Op.Conv2d).findFirst().orElseThrow();
        assertEquals(relu, conv.root(), plan.toString());
        assertEquals(2, conv.pooled().size());
        assertTrue(g.node(conv.pooled().get(0)).op() instanceof Op.MaxPool);
        assertTrue(g.node(conv.pooled().get(1)).op() instanceof Op.MaxPoolArgmax);
        boolean[] materialized = plan.materialized();
        assertFalse(materialized[relu], "the full-size activation is never stored");

        int grad = g.nodes().stream().filter(n -> n.op() instanceof Op.MaxPoolGradIndexed).findFirst().orElseThrow().id();
        assertEquals(-1, plan.kernelIndexByNode()[grad], "the expanded gradient belongs to no kernel");
        assertFalse(materialized[grad]);
        List<Kernel> readers = plan.kernels().stream().filter(k -> k.recomputed().contains(grad)).toList();
        assertEquals(2, readers.size(), plan.toString());
        Kernel filter = readers.stream().filter(k -> g.node(k.head()).op() instanceof Op.Conv2dBackwardFilter).findFirst().orElseThrow();
        assertEquals(1, filter.siblings().size(), "the bias gradient sums dy in the backward-filter pass");
        assertTrue(g.node(filter.siblings().getFirst()).op() instanceof Op.SumTo);
        assertTrue(result.rejected().stream().noneMatch(d -> d.reason().startsWith("max_pool")), result.rejected().toString());

        // bytes: the kernels write the pooled value and one byte per window, never the activation
        long written = Traffic.of(plan, 10).stream().filter(t -> t.kernel() == conv).findFirst().orElseThrow().bytesWritten();
        assertEquals(10 * 4 * 16 * (4 + 1), written);
    }

    @Test
    void overlappingWindowsKeepTodaysPlanAndSayWhy() throws Exception {
        Graph original = convPool(3, 2);
        Graph g = PoolingRewrite.apply(original);
        assertTrue(g == original, "neither rewrite applies: the graph is kept as it is");
        FusionResult result = FuseOps.analyze(g);
        assertTrue(result.plan().kernels().stream().allMatch(k -> k.pooled().isEmpty()));
        assertTrue(result.rejected().stream().anyMatch(d -> d.reason().startsWith("max_pool stays a kernel of its own: window size 3")),
                result.rejected().toString());
    }

    @Test
    void anActivationTheModelOutputsIsStoredAndPooledByItsOwnKernel() throws Exception {
        Graph original = convPool(2, 2);
        GraphBuilder b = new GraphBuilder(original);
        b.output("h", relu(original));
        Graph g = PoolingRewrite.apply(b.build());
        FusionResult result = FuseOps.analyze(g);
        assertTrue(result.plan().kernels().stream().allMatch(k -> k.pooled().isEmpty()), result.plan().toString());
        assertTrue(result.plan().materialized()[relu(g)]);
        assertTrue(result.rejected().stream().anyMatch(d -> d.reason().startsWith("max_pool stays a kernel of its own")),
                result.rejected().toString());
        // the gradient keeps reading the stored activation: today's plan
        assertEquals(0, count(g, Op.MaxPoolArgmax.class));
        assertEquals(1, count(g, Op.MaxPoolGrad.class));
    }

    @Test
    void theArgmaxFormNeedsTilingWindowsOfTwoOrFour() {
        Shape x = Shape.of(B, Dim.of(3), Dim.of(8), Dim.of(12));
        assertEquals(null, PoolingRewrite.whyNotIndexed(2, 2, Padding.NONE, x));
        assertEquals(null, PoolingRewrite.whyNotIndexed(4, 4, Padding.NONE, x));
        assertTrue(PoolingRewrite.whyNotIndexed(3, 3, Padding.NONE, x).contains("window size 3"));
        assertTrue(PoolingRewrite.whyNotIndexed(2, 1, Padding.NONE, x).contains("stride"));
        assertTrue(PoolingRewrite.whyNotIndexed(2, 2, Padding.uniform(1), x).contains("padded"));
        assertTrue(PoolingRewrite.whyNotIndexed(4, 4, Padding.NONE, Shape.of(B, Dim.of(3), Dim.of(8), Dim.of(10))).contains("tile"));
    }
}
