package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinalgGradientTest {

    @ParameterizedTest
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void matMulInAllFourTransposeCombinations(boolean ta, boolean tb) {
        GradCheck c = new GradCheck(ta ? (tb ? 1 : 2) : (tb ? 3 : 4));
        int a = c.param("a", ta ? new int[] {4, 3} : new int[] {3, 4}, -1, 1);
        int b = c.param("b", tb ? new int[] {5, 4} : new int[] {4, 5}, -1, 1);
        c.check(c.add(new Op.MatMul(ta, tb), a, b));
    }

    @ParameterizedTest
    @CsvSource({"1,0,0,0,0", "2,1,0,2,1", "2,1,1,1,1", "3,0,2,1,0"})
    void conv2dWithStrideAndAsymmetricPadding(int stride, int top, int bottom, int left, int right) {
        GradCheck c = new GradCheck(stride * 100L + top * 10L + left);
        int x = c.param("x", new int[] {2, 2, 6, 5}, -1, 1);
        int w = c.param("w", new int[] {3, 2, 3, 2}, -1, 1);
        c.check(c.add(new Op.Conv2d(stride, new Padding(top, bottom, left, right)), x, w));
    }

    @Test
    void conv2dBackwardDataIsDifferentiableInBothOperands() {
        GradCheck c = new GradCheck(21);
        Padding pad = new Padding(1, 0, 0, 1);
        int dy = c.param("dy", new int[] {2, 3, 3, 3}, -1, 1); // conv of [2,2,6,5], 3x2 kernel, stride 2
        int w = c.param("w", new int[] {3, 2, 3, 2}, -1, 1);
        c.check(c.add(new Op.Conv2dBackwardData(2, pad, 6, 5), dy, w));
    }

    @Test
    void conv2dBackwardFilterIsDifferentiableInBothOperands() {
        GradCheck c = new GradCheck(22);
        Padding pad = new Padding(1, 0, 0, 1);
        int x = c.param("x", new int[] {2, 2, 6, 5}, -1, 1);
        int dy = c.param("dy", new int[] {2, 3, 3, 3}, -1, 1);
        c.check(c.add(new Op.Conv2dBackwardFilter(2, pad, 3, 2), x, dy));
    }

    @ParameterizedTest
    @CsvSource({"2,2,0,0,0,0", "3,2,1,1,1,1", "2,1,0,1,1,0", "3,3,1,0,0,1"})
    void maxPoolWithStrideDifferentFromSize(int size, int stride, int top, int bottom, int left, int right) {
        GradCheck c = new GradCheck(size * 10L + stride);
        int x = c.param("x", c.distinct(2, 2, 6, 7));
        c.check(c.add(new Op.MaxPool(size, stride, new Padding(top, bottom, left, right)), x));
    }

    @Test
    void maxPoolGradHasNoSecondOrderGradientInDy() {
        GradCheck c = new GradCheck(23);
        int x = c.param("x", c.distinct(1, 1, 4, 4));
        int dy = c.param("dy", new int[] {1, 1, 2, 2}, -1, 1);
        Graph g = c.withLoss(c.add(new Op.MaxPoolGrad(2, 2, Padding.NONE), x, dy));
        var e = assertThrows(UnsupportedOperationException.class, () -> Autodiff.differentiate(g));
        assertTrue(e.getMessage().contains("max_pool_grad"), e.getMessage());
    }
}
