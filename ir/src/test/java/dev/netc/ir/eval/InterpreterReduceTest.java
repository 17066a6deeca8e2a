package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InterpreterReduceTest {
    private final SplittableRandom rng = new SplittableRandom(3);

    @Test
    void reduceOverSeveralAxesWithAndWithoutKeepDims() {
        DTensor x = DTensor.random(new int[] {2, 3, 4}, rng, -1, 1);
        DTensor sum = OneOp.eval(new Op.Reduce(ReduceFn.SUM, List.of(0, 2), false), x);
        DTensor mean = OneOp.eval(new Op.Reduce(ReduceFn.MEAN, List.of(0, 2), true), x);
        DTensor max = OneOp.eval(new Op.Reduce(ReduceFn.MAX, List.of(0, 2), false), x);
        assertArrayEquals(new int[] {3}, sum.shape());
        assertArrayEquals(new int[] {1, 3, 1}, mean.shape());
        for (int j = 0; j < 3; j++) {
            double s = 0, m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < 2; i++) for (int k = 0; k < 4; k++) { s += x.get(i, j, k); m = Math.max(m, x.get(i, j, k)); }
            assertEquals(s, sum.get(j), 1e-12);
            assertEquals(s / 8, mean.get(0, j, 0), 1e-12);
            assertEquals(m, max.get(j));
        }
    }

    @Test
    void softmaxIsStableAndNormalisedAlongEitherAxis() {
        DTensor x = DTensor.of(new int[] {2, 3}, 1000, 1001, 1002, -5, 0, 5);
        for (int axis = 0; axis < 2; axis++) {
            DTensor p = OneOp.eval(new Op.Softmax(axis), x);
            DTensor lp = OneOp.eval(new Op.LogSoftmax(axis), x);
            for (int i = 0; i < p.size(); i++) {
                // exp underflows for the -1005 gap along axis 0; log_softmax must stay finite there.
                assertTrue(Double.isFinite(lp.data()[i]));
                if (p.data()[i] > 1e-300) assertEquals(Math.log(p.data()[i]), lp.data()[i], 1e-9);
            }
            assertEquals(-1005, OneOp.eval(new Op.LogSoftmax(0), x).get(1, 0), 1e-9);
            if (axis == 1) {
                double z = Math.exp(-2) + Math.exp(-1) + 1;
                assertEquals(1 / z, p.get(0, 2), 1e-12);
                for (int i = 0; i < 2; i++) assertEquals(1, p.get(i, 0) + p.get(i, 1) + p.get(i, 2), 1e-12);
            } else {
                for (int j = 0; j < 3; j++) assertEquals(1, p.get(0, j) + p.get(1, j), 1e-12);
            }
        }
    }

    @Test
    void argmaxTakesTheFirstMaximum() {
        DTensor x = DTensor.of(new int[] {2, 4}, 1, 3, 3, 0, 7, 2, 7, 7);
        assertArrayEquals(new double[] {1, 0}, OneOp.eval(new Op.Argmax(1), x).data());
        assertArrayEquals(new double[] {1, 0, 1, 1}, OneOp.eval(new Op.Argmax(0), x).data());
    }

    @Test
    void maxPoolTreatsPaddingAsNegativeInfinity() {
        DTensor x = DTensor.of(new int[] {1, 1, 3, 3}, -1, -2, -3, -4, -5, -6, -7, -8, -9);
        DTensor y = OneOp.eval(new Op.MaxPool(2, 2, new Padding(1, 0, 1, 0)), x);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new double[] {-1, -2, -4, -5}, y.data());
    }

    @Test
    void maxPoolGradRoutesToTheFirstMaximumAndAccumulatesOverlaps() {
        // Windows of 2 with stride 1 overlap; the tie in the first window goes to its first cell.
        DTensor x = DTensor.of(new int[] {1, 1, 2, 3}, 5, 5, 1, 0, 0, 9);
        DTensor dy = DTensor.of(new int[] {1, 1, 1, 2}, 10, 100);
        DTensor dx = OneOp.eval(new Op.MaxPoolGrad(2, 1, Padding.NONE), x, dy);
        assertArrayEquals(new double[] {10, 0, 0, 0, 0, 100}, dx.data());
        DTensor same = DTensor.of(new int[] {1, 1, 2, 3}, 0, 9, 1, 0, 0, 0);
        assertArrayEquals(new double[] {0, 110, 0, 0, 0, 0}, OneOp.eval(new Op.MaxPoolGrad(2, 1, Padding.NONE), same, dy).data());
    }
}
