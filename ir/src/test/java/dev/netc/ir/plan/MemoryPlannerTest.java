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

class MemoryPlannerTest {
    private static final TensorType X = new TensorType(DType.F32, Shape.of(Dim.sym("N"), Dim.of(8)));

    /** x -> neg -> exp -> sqrt -> abs = y: in the unfused plan each value is read only by the next kernel. */
    private static Graph chain() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int v = g.input("x", X);
        for (UnaryFn fn : List.of(UnaryFn.NEG, UnaryFn.EXP, UnaryFn.SQRT, UnaryFn.ABS)) v = g.add(new Op.Unary(fn), null, v);
        g.output("y", v);
        return g.build();
    }

    /** The invariants every memory plan keeps, checked on any plan. */
    private static void assertSound(MemoryPlan m) {
        for (MemoryPlan.Buffer a : m.buffers()) {
            MemoryPlan.Slot slot = m.slots().get(a.slot());
            assertTrue(slot.bytes() >= a.bytes(), "slot " + slot + " is smaller than %" + a.node());
            assertEquals(a.dtype(), slot.dtype());
            for (MemoryPlan.Buffer b : m.buffers())
                if (a != b && a.slot() == b.slot()) assertFalse(a.overlaps(b), "%" + a.node() + " and %" + b.node() + " share a slot while both live");
        }
        assertTrue(m.peakLiveBytes() <= m.arenaBytes());
        assertTrue(m.arenaBytes() <= m.unsharedBytes());
        assertEquals(m.leafBytes() + m.arenaBytes(), m.peakBytes());
    }

    @Test
    void aChainReusesBuffersAlternately() throws Exception {
        Graph g = chain();
        MemoryPlan m = MemoryPlanner.plan(PlanKernels.unfused(g), 10);
        long one = 10 * 8 * 4;
        assertEquals(4, m.buffers().size());
        // neg and sqrt share one slot, exp another; the output abs has its own
        assertEquals(3, m.slots().size(), m.toString());
        assertEquals(m.slots().get(m.buffers().get(0).slot()), m.slots().get(m.buffers().get(2).slot()));
        assertEquals(List.of(m.buffers().get(3).node()), m.slots().get(m.buffers().get(3).slot()).nodes());
        assertEquals(3 * one, m.arenaBytes());
        assertEquals(4 * one, m.unsharedBytes());
        assertEquals(one, m.leafBytes(), "the input x");
        assertEquals(2 * one, m.peakLiveBytes(), "a kernel's input and output are live together");
        assertEquals(m.order().size(), m.buffers().getLast().last(), "the graph output lives to the end of the step");
        assertSound(m);
    }

    @Test
    void bytesScaleWithTheBatch() throws Exception {
        KernelPlan plan = PlanKernels.unfused(chain());
        assertEquals(2 * MemoryPlanner.plan(plan, 16).peakBytes(), MemoryPlanner.plan(plan, 32).peakBytes());
    }

    @Test
    void fusionLeavesOneBuffer() throws Exception {
        MemoryPlan m = MemoryPlanner.plan(FuseOps.fuse(chain()), 10);
        assertEquals(1, m.buffers().size());
        assertEquals(10 * 8 * 4, m.arenaBytes());
        assertSound(m);
    }

    @Test
    void aReshapeIsAViewThatKeepsItsOperandAlive() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", X);
        int a = g.add(new Op.Unary(UnaryFn.NEG), null, x);
        int r = g.add(new Op.Reshape(Shape.of(Dim.sym("N"), Dim.of(2), Dim.of(4))), null, a);
        int b = g.add(new Op.Unary(UnaryFn.EXP), null, x);
        int c = g.add(new Op.Unary(UnaryFn.EXP), null, b);
        int s = g.add(new Op.Reduce(ReduceFn.SUM, List.of(1, 2), false), null, r);
        int y = g.add(new Op.Binary(BinaryFn.ADD), null, s, g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), null, c));
        g.output("y", y);
        int out = g.add(new Op.Unary(UnaryFn.NEG), null, x);
        int outView = g.add(new Op.Reshape(Shape.of(Dim.sym("N"), Dim.of(2), Dim.of(4))), null, out);
        g.output("viewed", outView);
        MemoryPlan m = MemoryPlanner.plan(PlanKernels.unfused(g.build()), 4);
        int outSlot = m.slotOf(outView);
        assertEquals(List.of(out), m.slots().get(outSlot).nodes(), "a buffer seen through an output view is not shared");
        MemoryPlan.Buffer aBuffer = m.buffers().stream().filter(bf -> bf.node() == a).findFirst().orElseThrow();
        assertEquals(List.of(r), aBuffer.views());
        assertTrue(m.buffers().stream().noneMatch(bf -> bf.node() == r), "a view has no storage of its own");
        int sumAt = m.order().indexOf(m.order().stream().filter(k -> k.root() == s).findFirst().orElseThrow());
        assertEquals(sumAt, aBuffer.last(), "the view's reader keeps the operand alive");
        assertEquals(aBuffer.slot(), m.slotOf(r));
        assertSound(m);
    }

    @Test
    void backwardKernelsRunAfterTheLossAndOutputsSurvive() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", X);
        int w = g.parameter("w", TensorType.f32(8, 8), new Init.Ones(), true);
        int h = g.add(new Op.MatMul(false, false), null, x, w);
        int t = g.add(new Op.Unary(UnaryFn.TANH), "logits", h);
        int sq = g.add(new Op.Unary(UnaryFn.SQUARE), null, t);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", sq);
        int dw = g.add(new Op.MatMul(true, false), null, x, t);
        g.output("logits", t);
        g.output("loss", loss);
        g.gradient(w, "grad/w", dw);
        for (KernelPlan plan : List.of(PlanKernels.unfused(g.build()), FuseOps.fuse(g.build()))) {
            MemoryPlan m = MemoryPlanner.plan(plan, 3);
            List<Kernel.Phase> phases = m.order().stream().map(Kernel::phase).toList();
            assertEquals(phases.stream().sorted().toList(), phases);
            for (int out : List.of(t, loss, dw)) {
                MemoryPlan.Buffer b = m.buffers().stream().filter(bf -> bf.node() == out).findFirst().orElseThrow();
                assertEquals(m.order().size(), b.last());
            }
            assertEquals((3 * 8 + 64) * 4, m.leafBytes());
            assertSound(m);
        }
    }
}
