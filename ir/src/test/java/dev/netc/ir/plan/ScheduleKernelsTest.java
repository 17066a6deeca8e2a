package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernels run in the order of their heads, never before what they read. */
class ScheduleKernelsTest {
    private static final TensorType BATCH_BY_4 = new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(4)));

    @Test
    void aFusedGroupRunsWhenItsHeadWasMadeNotWhenItsEpilogueEnds() throws Exception {
        // a dense layer's backward as differentiation makes it: dx = dy w^T first, then dw = x^T dy, then
        // dx's epilogue (a ReLU mask stand-in)
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", BATCH_BY_4);
        int dy = b.input("dy", BATCH_BY_4);
        int w = b.parameter("w", TensorType.f32(4, 4), new Init.Ones(), true);
        int dx = b.add(new Op.MatMul(false, true), null, dy, w);
        int dw = b.add(new Op.MatMul(true, false), null, x, dy);
        int masked = b.add(new Op.Unary(UnaryFn.TANH), "dx", dx);
        b.output("dx", masked);
        b.output("dw", dw);
        Graph g = b.build();

        KernelPlan plan = FuseOps.fuse(g);
        assertEquals(2, plan.kernels().size(), plan.toString());
        assertEquals(List.of(dx, masked), plan.kernels().get(0).nodes(), "dx's group first: its head was made first");
        assertEquals("k00_matmul_tanh", plan.kernels().get(0).name());
        assertEquals(List.of(dw), plan.kernels().get(1).nodes());
        assertEquals("k01_matmul", plan.kernels().get(1).name());
    }

    @Test
    void aKernelWaitsForWhatItReadsWhateverItsHead() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", BATCH_BY_4);
        int early = b.add(new Op.Unary(UnaryFn.EXP), null, x);
        int other = b.add(new Op.Unary(UnaryFn.TANH), null, x);
        int late = b.add(new Op.Binary(BinaryFn.MUL), "y", early, other);
        b.output("y", late);
        Graph g = b.build();
        Kernel reader = new Kernel("k00_exp_mul", List.of(early, late), Kernel.Phase.PREDICT);
        Kernel producer = new Kernel("k01_tanh", List.of(other), Kernel.Phase.PREDICT);

        List<Kernel> ordered = ScheduleKernels.byHeads(g, List.of(reader, producer));
        assertEquals(List.of(other), ordered.get(0).nodes(), "tanh first: the group headed by exp reads it");
        assertEquals("k00_tanh", ordered.get(0).name());
        assertEquals("k01_exp_mul", ordered.get(1).name());

        List<Kernel> already = List.of(producer, reader);
        assertSame(already, ScheduleKernels.byHeads(g, already), "an order that needs no change keeps its kernels and names");
    }

    @Test
    void phasesStayInOrder() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", BATCH_BY_4);
        int backward = b.add(new Op.Unary(UnaryFn.EXP), null, x);
        int predict = b.add(new Op.Unary(UnaryFn.TANH), "y", x);
        b.output("y", predict);
        Graph g = b.build();
        Kernel late = new Kernel("k00_exp", List.of(backward), Kernel.Phase.BACKWARD);
        Kernel early = new Kernel("k01_tanh", List.of(predict), Kernel.Phase.PREDICT);
        List<Kernel> ordered = ScheduleKernels.byHeads(g, List.of(late, early));
        assertEquals(Kernel.Phase.PREDICT, ordered.get(0).phase());
        assertEquals("k00_tanh", ordered.get(0).name());
    }
}
