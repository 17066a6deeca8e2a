package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FLOP model behind the profile's roofline. */
class FlopsTest {
    private static final Dim B = Dim.sym("B");

    @Test
    void aMatmulIsTwoMnkAndItsBiasOnePerElement() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(B, Dim.of(7))));
        int w = g.parameter("w", TensorType.f32(7, 5), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(5), new Init.Zeros(), true);
        int mm = g.add(new Op.MatMul(false, false), null, x, w);
        int y = g.add(new Op.Binary(BinaryFn.ADD), "y", mm, b);
        int dw = g.add(new Op.MatMul(true, false), null, x, y); // K is the batch
        g.output("y", y);
        g.output("dw", dw);
        KernelPlan plan = PlanKernels.unfused(g.build());
        List<Long> flops = Flops.of(plan, 3);
        assertEquals(List.of(2L * 3 * 5 * 7, 3L * 5, 2L * 7 * 5 * 3), flops);
    }

    @Test
    void aConvolutionCountsTwoPerMultiplyAddOfItsWindow() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(B, Dim.of(3), Dim.of(8), Dim.of(8))));
        int w = g.parameter("w", TensorType.f32(4, 3, 3, 3), new Init.Ones(), true);
        int y = g.add(new Op.Conv2d(1, Padding.uniform(1)), "y", x, w);
        g.output("y", y);
        KernelPlan plan = PlanKernels.unfused(g.build());
        assertEquals(List.of(2L * 2 * 4 * 8 * 8 * 3 * 3 * 3), Flops.of(plan, 2));
    }
}
