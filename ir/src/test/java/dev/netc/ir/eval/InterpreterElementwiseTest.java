package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InterpreterElementwiseTest {
    private final SplittableRandom rng = new SplittableRandom(7);

    @Test
    void unaryAppliesTheFunctionToEveryElement() {
        DTensor x = DTensor.random(new int[] {2, 3}, rng, 0.1, 2);
        for (UnaryFn fn : UnaryFn.values()) {
            DTensor y = OneOp.eval(new Op.Unary(fn), x);
            for (int i = 0; i < x.size(); i++) assertEquals(fn.apply(x.data()[i]), y.data()[i], fn.name());
        }
    }

    @Test
    void binaryBroadcastsRowsAndColumns() {
        DTensor a = DTensor.random(new int[] {2, 1}, rng, -1, 1);
        DTensor b = DTensor.random(new int[] {3}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Binary(BinaryFn.SUB), a, b);
        assertArrayEquals(new int[] {2, 3}, y.shape());
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) assertEquals(a.get(i, 0) - b.get(j), y.get(i, j));
    }

    @Test
    void binaryBroadcastsAScalar() {
        DTensor a = DTensor.random(new int[] {2, 2, 2}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Binary(BinaryFn.MAX), DTensor.scalar(0.0), a);
        for (int i = 0; i < a.size(); i++) assertEquals(Math.max(0, a.data()[i]), y.data()[i]);
    }

    @Test
    void broadcastToAndSumToAreAdjoint() {
        DTensor small = DTensor.random(new int[] {3, 1}, rng, -1, 1);
        DTensor big = DTensor.random(new int[] {2, 3, 4}, rng, -1, 1);
        DTensor up = OneOp.eval(new Op.BroadcastTo(Shape.of(2, 3, 4)), small);
        DTensor down = OneOp.eval(new Op.SumTo(Shape.of(3, 1)), big);
        assertEquals(small.get(1, 0), up.get(1, 1, 3));
        double rowSum = 0;
        for (int i = 0; i < 2; i++) for (int k = 0; k < 4; k++) rowSum += big.get(i, 2, k);
        assertEquals(rowSum, down.get(2, 0), 1e-12);
        assertEquals(OneOp.dot(up, big), OneOp.dot(small, down), 1e-12);
    }

    @Test
    void dropoutMaskDropsAboutRateAndScalesTheRest() {
        var g = new dev.netc.ir.GraphBuilder();
        int x = g.input("x", new dev.netc.ir.TensorType(dev.netc.ir.DType.F64, Shape.of(100, 100)));
        g.output("m", g.addChecked(new Op.DropoutMask(0.25), x));
        var graph = g.build();
        var feeds = java.util.Map.of("x", DTensor.zeros(100, 100));
        DTensor m = Interpreter.runOutputs(graph, feeds, java.util.Map.of(), true, 42).get("m");
        int zeros = 0;
        for (double v : m.data()) {
            assertTrue(v == 0 || Math.abs(v - 1 / 0.75) < 1e-15, "mask value " + v);
            if (v == 0) zeros++;
        }
        assertEquals(0.25, zeros / 10000.0, 0.02);
        assertEquals(m, Interpreter.runOutputs(graph, feeds, java.util.Map.of(), true, 42).get("m"), "same seed, same mask");
        DTensor eval = Interpreter.runOutputs(graph, feeds, java.util.Map.of(), false, 42).get("m");
        for (double v : eval.data()) assertEquals(1.0, v);
    }
}
