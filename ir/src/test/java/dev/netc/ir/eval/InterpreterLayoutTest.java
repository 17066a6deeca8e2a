package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InterpreterLayoutTest {
    private final SplittableRandom rng = new SplittableRandom(5);

    @Test
    void transposeMovesAxes() {
        DTensor x = DTensor.random(new int[] {2, 3, 4}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Transpose(List.of(2, 0, 1)), x);
        assertArrayEquals(new int[] {4, 2, 3}, y.shape());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            assertEquals(x.get(i, j, k), y.get(k, i, j));
    }

    @Test
    void reshapeKeepsRowMajorData() {
        DTensor x = DTensor.random(new int[] {2, 6}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Reshape(Shape.of(3, 2, 2)), x);
        assertArrayEquals(x.data(), y.data());
        assertEquals(x.get(1, 5), y.get(2, 1, 1));
    }

    @Test
    void oneHotGivesZeroRowsForOutOfRangeIndices() {
        GraphBuilder b = new GraphBuilder();
        int labels = b.input("labels", new TensorType(DType.I32, Shape.of(4)));
        b.output("y", b.addChecked(new Op.OneHot(3), labels));
        DTensor y = Interpreter.runOutputs(b.build(), Map.of("labels", DTensor.of(new int[] {4}, 2, 0, 3, -1)),
                Map.of(), false, 0).get("y");
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, y.data());
    }

    @Test
    void missingParameterIsNamed() {
        GraphBuilder b = new GraphBuilder();
        b.parameter("dense/kernel", new TensorType(DType.F64, Shape.of(2, 2)), new Init.Zeros(), true);
        var e = assertThrows(IllegalArgumentException.class, () -> Interpreter.run(b.build(), Map.of(), Map.of(), false, 0));
        assertTrue(e.getMessage().contains("dense/kernel"), e.getMessage());
    }

    @Test
    void symbolicBatchIsBoundFromDimsOrFromFeeds() {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", new TensorType(DType.F64, Shape.of(Dim.sym("B"), Dim.of(3))));
        int one = b.constant(1.0, new TensorType(DType.F64, Shape.of(Dim.sym("B"), Dim.of(3))));
        b.output("y", b.addChecked(new Op.Binary(dev.netc.ir.BinaryFn.ADD), x, one));
        var g = b.build();
        DTensor feed = DTensor.random(new int[] {5, 3}, rng, -1, 1);
        DTensor y = Interpreter.runOutputs(g, Map.of("x", feed), Map.of(), false, 0).get("y");
        assertArrayEquals(new int[] {5, 3}, y.shape());
        for (int i = 0; i < 15; i++) assertEquals(feed.data()[i] + 1, y.data()[i]);
        assertThrows(IllegalArgumentException.class, () -> Interpreter.run(g, Map.of("x", feed), Map.of("B", 4), false, 0));
    }
}
