package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.Graph;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Finite-difference checks (float64) of the ops added for the model zoo. */
class ZooOpsGradientTest {

    @Test
    void softplusIncludingLargeMagnitudes() {
        GradCheck c = new GradCheck(1);
        int x = c.param("x", DTensor.of(new int[] {2, 3}, -30, -2, -0.3, 0.4, 3, 25));
        c.check(c.add(new Op.Unary(UnaryFn.SOFTPLUS), x));
    }

    @ParameterizedTest
    @CsvSource({"2,2,0,0,0,0", "3,2,1,1,1,1", "2,1,0,1,1,0", "3,3,1,0,0,1"})
    void avgPoolWithStrideAndPadding(int size, int stride, int top, int bottom, int left, int right) {
        GradCheck c = new GradCheck(size * 10L + stride + top);
        int x = c.param("x", new int[] {2, 2, 6, 7}, -1, 1);
        c.check(c.add(new Op.AvgPool(size, stride, new Padding(top, bottom, left, right)), x));
    }

    @Test
    void avgPoolGradIsLinearInDy() {
        GradCheck c = new GradCheck(5);
        Padding pad = new Padding(1, 0, 0, 1);
        int dy = c.param("dy", new int[] {2, 2, 3, 3}, -1, 1); // avg_pool 3x3 stride 2 of [2,2,6,7] with this padding
        c.check(c.add(new Op.AvgPoolGrad(3, 2, pad, 6, 7), dy));
    }

    @Test
    void concatAlongAMiddleAxisSendsEachOperandItsSlice() {
        GradCheck c = new GradCheck(6);
        int a = c.param("a", new int[] {2, 1, 3}, -1, 1);
        int b = c.param("b", new int[] {2, 3, 3}, -1, 1);
        int d = c.param("d", new int[] {2, 2, 3}, -1, 1);
        c.check(c.add(new Op.Concat(1), a, b, d));
    }

    @ParameterizedTest
    @CsvSource({"0,0,2", "1,1,3", "2,0,4", "2,2,3"})
    void sliceAnywhereAlongAnAxis(int axis, int start, int end) {
        GradCheck c = new GradCheck(7 + axis * 10L + start);
        int x = c.param("x", new int[] {3, 4, 4}, -1, 1);
        c.check(c.add(new Op.Slice(axis, start, end), x));
    }

    @Test
    void trainSelectDifferentiatesTheTrainingOperandOnly() {
        GradCheck c = new GradCheck(8);
        int a = c.param("a", new int[] {2, 3}, -1, 1);
        int b = c.param("b", new int[] {2, 3}, -1, 1);
        int y = c.add(new Op.TrainSelect(), a, b);
        c.check(y); // the checker runs in training mode: the loss depends on a only, b's gradient must be 0
        Graph g = Autodiff.differentiate(c.withLoss(y));
        DTensor gradB = Interpreter.runOutputs(g, c.feeds, Map.of(), true, 0).get(Graph.GRAD_PREFIX + "b");
        for (double v : gradB.data()) assertEquals(0.0, v);
    }
}
