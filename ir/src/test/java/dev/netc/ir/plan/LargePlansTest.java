package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** Planning stays linear and bounded on long graphs: kernels are capped, lookups are indexed. */
class LargePlansTest {
    private static final TensorType X = new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(8)));

    /** x, then {@code ops} unary ops each reading the last: one chain of single-use values. */
    private static Graph chain(int ops) throws Exception {
        GraphBuilder g = new GraphBuilder();
        int v = g.input("x", X);
        for (int i = 0; i < ops; i++) v = g.add(new Op.Unary(i % 2 == 0 ? UnaryFn.TANH : UnaryFn.NEG), null, v);
        g.output("y", v);
        return g.build();
    }

    @Test
    void aLongElementwiseChainIsCutAtTheKernelLimitAndSaysWhy() throws Exception {
        FusionResult r = FuseOps.analyze(chain(200));
        List<Integer> sizes = r.plan().kernels().stream().map(k -> k.nodes().size()).toList();
        assertEquals(List.of(64, 64, 64, 8), sizes);
        assertEquals(3, r.rejected().size(), r.rejected().toString());
        for (FusionDecision d : r.rejected())
            assertTrue(d.reason().contains("would make a kernel of 65 nodes, over the limit of 64"), d.reason());
    }

    @Test
    void aDeepUnfusedChainAlternatesTwoSlotsWhateverItsLength() throws Exception {
        Graph g = chain(3000);
        MemoryPlan m = MemoryPlanner.plan(PlanKernels.unfused(g), 4);
        assertEquals(3, m.slots().size(), "two slots taking turns, and the output's own");
        assertEquals(2 * 4 * 8 * 4, m.peakLiveBytes(), "a kernel's input and output");
        int[] slots = m.slotsByNode(g.size());
        for (int id = 0; id < g.size(); id++) assertEquals(m.slotOf(id), slots[id], "%" + id);
    }

    @Test
    void viewsShareTheirBufferSlotInBothLookups() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", X);
        int e = b.add(new Op.Unary(UnaryFn.EXP), null, x);
        int r = b.add(new Op.Reshape(Shape.of(Dim.sym("B"), Dim.of(2), Dim.of(4))), null, e);
        int s = b.add(new Op.Reduce(ReduceFn.SUM, List.of(1, 2), false), null, r);
        b.output("s", s);
        Graph g = b.build();
        MemoryPlan m = MemoryPlanner.plan(PlanKernels.unfused(g), 3);
        int[] slots = m.slotsByNode(g.size());
        for (int id = 0; id < g.size(); id++) assertEquals(m.slotOf(id), slots[id], "%" + id);
        assertEquals(slots[e], slots[r], "the reshape is a view of exp's buffer");
    }

    @Test
    void rolesOfEveryOutputAtOnceAgreeWithRoleOfEach() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", X);
        int w = b.parameter("w", TensorType.f32(8), new Init.Ones(), true);
        int mean = b.parameter("mean", TensorType.f32(8), new Init.Zeros(), false);
        int y = b.add(new Op.Binary(BinaryFn.MUL), "y", x, w);
        b.output("y", y);
        b.output(Graph.LOSS, b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), null, y));
        b.gradient(w, "grad/w", b.add(new Op.Binary(BinaryFn.ADD), null, w, w));
        b.parameterUpdate(mean, "update/mean", b.add(new Op.Unary(UnaryFn.NEG), null, mean));
        Graph g = b.build();
        var roles = g.roles();
        assertEquals(List.copyOf(g.outputs().keySet()), List.copyOf(roles.keySet()));
        for (String name : g.outputs().keySet()) assertEquals(g.role(name), roles.get(name), name);
        assertEquals(Graph.OutputRole.GRADIENT, roles.get("grad/w"));
        assertEquals(Graph.OutputRole.PARAMETER_UPDATE, roles.get("update/mean"));
        assertEquals(Graph.OutputRole.LOSS, roles.get(Graph.LOSS));
        assertEquals(Graph.OutputRole.MODEL, roles.get("y"));
    }
}
