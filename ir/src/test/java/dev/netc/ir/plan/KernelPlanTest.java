package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelPlanTest {
    private static final TensorType BATCH_BY_4 = new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(4)));

    /** Ids of the interesting nodes of {@link #graph()}. */
    private record Ids(int matmul, int add, int relu, int exp, int neg, int loss, int dead, int scaled, int grad) {}

    private Ids ids;

    /**
     * logits = relu(x @ w + b); loss = mean(neg(exp(logits))); grad/w = x^T @ (2 * exp(logits)) stands in
     * for a backward pass; tanh(logits) is dead. Enough structure for phases and fusion decisions.
     */
    private Graph graph() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", BATCH_BY_4);
        int w = g.parameter("w", TensorType.f32(4, 4), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(4), new Init.Zeros(), true);
        int mm = g.add(new Op.MatMul(false, false), null, x, w);
        int add = g.add(new Op.Binary(BinaryFn.ADD), null, mm, b);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), "logits", add);
        int exp = g.add(new Op.Unary(UnaryFn.EXP), null, relu);
        int neg = g.add(new Op.Unary(UnaryFn.NEG), null, exp);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", neg);
        int dead = g.add(new Op.Unary(UnaryFn.TANH), "unused", relu);
        int two = g.constant(2, TensorType.f32());
        int scaled = g.add(new Op.Binary(BinaryFn.MUL), null, exp, two);
        int grad = g.add(new Op.MatMul(true, false), null, x, scaled);
        g.output("logits", relu);
        g.output("loss", loss);
        g.gradient(w, "grad/w", grad);
        ids = new Ids(mm, add, relu, exp, neg, loss, dead, scaled, grad);
        return g.build();
    }

    @Test
    void unfusedPlansOneKernelPerLiveNodeWithPhases() throws Exception {
        Graph g = graph();
        KernelPlan plan = PlanKernels.unfused(g);
        assertEquals(8, plan.kernels().size(), plan.toString());
        assertTrue(plan.kernels().stream().allMatch(k -> k.nodes().size() == 1));
        assertTrue(plan.kernels().stream().noneMatch(k -> k.root() == ids.dead()), "dead nodes get no kernel");
        assertEquals("k00_matmul", plan.kernels().get(0).name());
        assertEquals(List.of(ids.matmul(), ids.add(), ids.relu()), rootsOf(plan.kernels(Kernel.Phase.PREDICT)));
        assertEquals(List.of(ids.exp(), ids.neg(), ids.loss()), rootsOf(plan.kernels(Kernel.Phase.LOSS)));
        assertEquals(List.of(ids.scaled(), ids.grad()), rootsOf(plan.kernels(Kernel.Phase.BACKWARD)));
    }

    @Test
    void fusionMergesAnchorEpilogueAndChainsAndExplainsTheRest() throws Exception {
        Graph g = graph();
        FusionResult result = FuseOps.analyze(g);
        KernelPlan plan = result.plan();
        Kernel first = plan.kernels().getFirst();
        assertEquals(List.of(ids.matmul(), ids.add(), ids.relu()), first.nodes(), plan.toString());
        assertEquals("k00_matmul_add_relu", first.name());
        // exp is read again by the backward pass, after neg: neg still fuses with it, and the kernel stores exp
        assertTrue(plan.kernels().stream().anyMatch(k -> k.nodes().equals(List.of(ids.exp(), ids.neg()))), plan.toString());
        // the loss terms run in another phase than the model output they read
        assertTrue(result.rejected().stream().anyMatch(d -> d.node() == ids.exp() && d.reason().contains("another phase")),
                result.rejected().toString());
        boolean[] buffers = plan.materialized();
        assertFalse(buffers[ids.matmul()] || buffers[ids.add()], "values inside a kernel need no buffer");
        assertTrue(buffers[ids.relu()] && buffers[ids.exp()], "values read after the kernel are stored by it");
        assertTrue(plan.toString().contains("kernel k00_matmul_add_relu (predict)\n    %" + ids.matmul() + " = matmul("), plan.toString());
    }

    @Test
    void shapesThatDifferKeepKernelsApart() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int bias = g.parameter("bias", TensorType.f32(4), new Init.Zeros(), true);
        int x = g.input("x", BATCH_BY_4);
        int sq = g.add(new Op.Unary(UnaryFn.SQUARE), null, bias);
        int sum = g.add(new Op.Binary(BinaryFn.ADD), "y", x, sq);
        g.output("y", sum);
        FusionResult r = FuseOps.analyze(g.build());
        assertEquals(2, r.plan().kernels().size());
        assertTrue(r.rejected().getFirst().reason().contains("has type f32[4] but the result has f32[B, 4]"), r.rejected().toString());
    }

    private static List<Integer> rootsOf(List<Kernel> kernels) { return kernels.stream().map(Kernel::root).toList(); }
}
