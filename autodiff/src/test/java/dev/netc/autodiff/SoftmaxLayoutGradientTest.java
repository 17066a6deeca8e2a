package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SoftmaxLayoutGradientTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void softmaxAlongAxis(int axis) {
        GradCheck c = new GradCheck(40 + axis);
        c.check(c.add(new Op.Softmax(axis), c.param("x", new int[] {3, 4}, -2, 2)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void logSoftmaxAlongAxis(int axis) {
        GradCheck c = new GradCheck(50 + axis);
        c.check(c.add(new Op.LogSoftmax(axis), c.param("x", new int[] {3, 4}, -2, 2)));
    }

    @Test
    void reshape() {
        GradCheck c = new GradCheck(60);
        int x = c.param("x", new int[] {2, 6}, -1, 1);
        int y = c.add(new Op.Reshape(Shape.of(3, 4)), x);
        c.check(c.add(new Op.Binary(BinaryFn.MUL), y, y)); // nonlinear, so a wrong layout shows
    }

    @Test
    void transpose() {
        GradCheck c = new GradCheck(61);
        int x = c.param("x", new int[] {2, 3, 4}, -1, 1);
        int y = c.add(new Op.Transpose(List.of(2, 0, 1)), x);
        c.check(c.add(new Op.Binary(BinaryFn.MUL), y, c.param("z", new int[] {4, 2, 3}, -1, 1)));
    }

    /**
     * loss = -mean(sum(onehot(labels) * log_softmax(x W + b))): the usual classifier loss, end to end.
     * one_hot yields f32, so this graph is typed f32; the interpreter still computes in double precision.
     */
    @Test
    void softmaxCrossEntropyOfADenseLayer() {
        GradCheck c = new GradCheck(62);
        int x = c.b.input("x", TensorType.f32(4, 5));
        c.feeds.put("x", DTensor.random(new int[] {4, 5}, c.rng, -1, 1));
        int labels = c.b.input("labels", new TensorType(DType.I32, Shape.of(4)));
        c.feeds.put("labels", DTensor.of(new int[] {4}, 2, 0, 1, 2));
        int w = c.b.parameter("w", TensorType.f32(5, 3), new Init.Zeros(), true);
        c.feeds.put("w", DTensor.random(new int[] {5, 3}, c.rng, -1, 1));
        int b = c.b.parameter("b", TensorType.f32(3), new Init.Zeros(), true);
        c.feeds.put("b", DTensor.random(new int[] {3}, c.rng, -1, 1));
        int logits = c.add(new Op.Binary(BinaryFn.ADD), c.add(new Op.MatMul(false, false), x, w), b);
        int picked = c.add(new Op.Binary(BinaryFn.MUL), c.add(new Op.OneHot(3), labels), c.add(new Op.LogSoftmax(1), logits));
        int perExample = c.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), picked);
        c.b.output(Graph.LOSS, c.add(new Op.Unary(UnaryFn.NEG), c.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), perExample)));
        GradientChecker.Result r = GradientChecker.check(c.b.build(), c.feeds, c.dims, GradientChecker.DEFAULT_EPS);
        assertEquals(18, r.entries());
        assertTrue(r.maxError() < GradCheck.TOLERANCE, r.worst());
    }
}
