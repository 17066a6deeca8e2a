package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-computed values of the model-zoo ops in the reference interpreter, and their shape rules. */
class InterpreterZooOpsTest {

    private static DTensor run(GraphBuilder b, int out, Map<String, DTensor> feeds, boolean training) {
        b.output("y", out);
        return Interpreter.runOutputs(b.build(), feeds, Map.of(), training, 0).get("y");
    }

    @Test
    void avgPoolDividesByTheInBoundsCellsOnly() {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", TensorType.f32(1, 1, 2, 3));
        DTensor in = DTensor.of(new int[] {1, 1, 2, 3}, 1, 2, 3, 4, 5, 6);
        // 2x2 windows, stride 2, one column of padding on the right: [1 2; 4 5] and [3 pad; 6 pad]
        int y = b.addChecked(new Op.AvgPool(2, 2, new Padding(0, 0, 0, 1)), x);
        assertArrayEquals(new double[] {3, 4.5}, run(b, y, Map.of("x", in), false).data(), 1e-12);
    }

    @Test
    void avgPoolGradSpreadsEvenly() {
        GraphBuilder b = new GraphBuilder();
        int dy = b.input("dy", TensorType.f32(1, 1, 1, 2));
        int y = b.addChecked(new Op.AvgPoolGrad(2, 2, new Padding(0, 0, 0, 1), 2, 3), dy);
        DTensor out = run(b, y, Map.of("dy", DTensor.of(new int[] {1, 1, 1, 2}, 4, 2)), false);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, out.data(), 1e-12);
    }

    @Test
    void concatAndSliceAlongAxisOne() {
        GraphBuilder b = new GraphBuilder();
        int p = b.input("p", TensorType.f32(2, 1));
        int q = b.input("q", TensorType.f32(2, 2));
        int cat = b.addChecked(new Op.Concat(1), p, q);
        assertEquals(TensorType.f32(2, 3), b.type(cat));
        int mid = b.addChecked(new Op.Slice(1, 1, 3), cat);
        b.output("cat", cat);
        Map<String, DTensor> feeds = Map.of("p", DTensor.of(new int[] {2, 1}, 1, 2), "q", DTensor.of(new int[] {2, 2}, 3, 4, 5, 6));
        assertArrayEquals(new double[] {1, 3, 4, 2, 5, 6}, Interpreter.runOutputs(b.build(), feeds, Map.of(), false, 0).get("cat").data());
        assertArrayEquals(new double[] {3, 4, 5, 6}, run(b, mid, feeds, false).data());
    }

    @Test
    void trainSelectPicksByMode() {
        for (boolean training : new boolean[] {true, false}) {
            GraphBuilder b = new GraphBuilder();
            int a = b.input("a", TensorType.f32(2));
            int c = b.input("c", TensorType.f32(2));
            int y = b.addChecked(new Op.TrainSelect(), a, c);
            DTensor out = run(b, y, Map.of("a", DTensor.of(new int[] {2}, 1, 2), "c", DTensor.of(new int[] {2}, 7, 8)), training);
            assertArrayEquals(training ? new double[] {1, 2} : new double[] {7, 8}, out.data());
        }
    }

    @Test
    void softplusIsStableAtBothEnds() {
        assertEquals(Math.log(2), UnaryFn.SOFTPLUS.apply(0), 1e-15);
        assertEquals(1000, UnaryFn.SOFTPLUS.apply(1000), 1e-12);
        assertEquals(Math.exp(-1000), UnaryFn.SOFTPLUS.apply(-1000), 1e-300);
        assertEquals(Math.log1p(Math.exp(1.5)), UnaryFn.SOFTPLUS.apply(1.5), 1e-14);
    }

    @Test
    void shapeRulesRejectBadOperands() {
        assertThrows(ShapeError.class, () -> new Op.Concat(1).infer(java.util.List.of(TensorType.f32(2, 1), TensorType.f32(3, 1))));
        assertThrows(ShapeError.class, () -> new Op.Slice(0, 2, 2).infer(java.util.List.of(TensorType.f32(3))));
        assertThrows(ShapeError.class, () -> new Op.Slice(0, 0, 4).infer(java.util.List.of(TensorType.f32(3))));
        assertThrows(ShapeError.class, () -> new Op.TrainSelect().infer(java.util.List.of(TensorType.f32(3), TensorType.f32(2))));
        assertThrows(ShapeError.class, () -> new Op.AvgPool(3, 1, Padding.NONE).infer(java.util.List.of(TensorType.f32(1, 1, 2, 2))));
    }
}
