package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

/** Which values need storage: the same answer for every backend, fused or not. */
class BufferRoleTest {
    private static final Dim B = Dim.sym("B");

    private record Dense(Graph graph, int x, int w, int b, int mm, int add, int relu, int loss) {}

    private static Dense dense() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(B, Dim.of(3))));
        int w = g.parameter("w", TensorType.f32(3, 4), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(4), new Init.Zeros(), true);
        int mm = g.add(new Op.MatMul(false, false), null, x, w);
        int add = g.add(new Op.Binary(BinaryFn.ADD), null, mm, b);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), "h", add);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", relu);
        g.output("h", relu);
        g.output("loss", loss);
        return new Dense(g.build(), x, w, b, mm, add, relu, loss);
    }

    @Test
    void fusedIntermediatesNeedNoStorage() throws Exception {
        Dense d = dense();
        BufferRole[] roles = BufferRole.of(FuseOps.fuse(d.graph()));
        assertEquals(BufferRole.INPUT, roles[d.x()]);
        assertEquals(BufferRole.PARAMETER, roles[d.w()]);
        assertEquals(BufferRole.PARAMETER, roles[d.b()]);
        assertNull(roles[d.mm()], "matmul result stays in the fused kernel");
        assertNull(roles[d.add()], "bias add stays in the fused kernel");
        assertEquals(BufferRole.COMPUTED, roles[d.relu()]);
        assertEquals(BufferRole.COMPUTED, roles[d.loss()]);
    }

    @Test
    void unfusedEveryKernelResultIsStored() throws Exception {
        Dense d = dense();
        BufferRole[] roles = BufferRole.of(PlanKernels.unfused(d.graph()));
        for (int id : new int[] {d.mm(), d.add(), d.relu(), d.loss()})
            assertEquals(BufferRole.COMPUTED, roles[id], "node " + id);
    }
}
