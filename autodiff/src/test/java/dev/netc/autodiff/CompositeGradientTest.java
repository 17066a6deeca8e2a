package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whole small networks, so that rules are also checked when chained through each other. */
class CompositeGradientTest {

    @Test
    void convReluPoolDenseSoftmaxNetwork() {
        GradCheck c = new GradCheck(90);
        int x = c.b.input("x", GradCheck.f64(2, 1, 6, 6));
        c.feeds.put("x", DTensor.random(new int[] {2, 1, 6, 6}, c.rng, -1, 1));
        int k = c.param("conv/kernel", new int[] {2, 1, 3, 3}, -0.5, 0.5);
        int kb = c.param("conv/bias", new int[] {2, 1, 1}, -0.1, 0.1);
        int conv = c.add(new Op.Conv2d(1, Padding.same(6, 6, 3, 3, 1)), x, k);
        int act = c.add(new Op.Unary(UnaryFn.TANH), c.add(new Op.Binary(BinaryFn.ADD), conv, kb));
        int pool = c.add(new Op.MaxPool(2, 2, Padding.NONE), act);
        int flat = c.add(new Op.Reshape(Shape.of(2, 18)), pool);
        int w = c.param("dense/kernel", new int[] {18, 3}, -0.5, 0.5);
        int probs = c.add(new Op.Softmax(1), c.add(new Op.MatMul(false, false), flat, w));
        int sq = c.add(new Op.Unary(UnaryFn.SQUARE), probs);
        c.b.output(Graph.LOSS, c.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), sq));
        GradientChecker.Result r = GradientChecker.check(c.b.build(), c.feeds, c.dims, GradientChecker.DEFAULT_EPS);
        assertEquals(18 + 2 + 54, r.entries());
        assertTrue(r.maxError() < GradCheck.TOLERANCE, r.worst());
    }

    @Test
    void mlpWithReluSigmoidAndMaximum() {
        GradCheck c = new GradCheck(91);
        int x = c.b.input("x", GradCheck.f64(3, 4));
        c.feeds.put("x", DTensor.random(new int[] {3, 4}, c.rng, -1, 1));
        int w1 = c.param("w1", new int[] {4, 5}, -1, 1);
        int b1 = c.param("b1", new int[] {5}, -0.1, 0.1);
        int h = c.add(new Op.Unary(UnaryFn.SIGMOID), c.add(new Op.Binary(BinaryFn.ADD), c.add(new Op.MatMul(false, false), x, w1), b1));
        int w2 = c.param("w2", new int[] {2, 5}, -1, 1);
        int out = c.add(new Op.MatMul(false, true), h, w2);
        int leaky = c.add(new Op.Binary(BinaryFn.MAX), out, c.add(new Op.Binary(BinaryFn.MUL), out, c.b.constant(0.1, GradCheck.f64())));
        c.check(leaky);
    }
}
