package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class InterpreterLinalgTest {
    private final SplittableRandom rng = new SplittableRandom(11);

    @ParameterizedTest
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void matMulOfTransposedOperandsEqualsMatMulOfExplicitTransposes(boolean ta, boolean tb) {
        DTensor a = DTensor.random(ta ? new int[] {4, 3} : new int[] {3, 4}, rng, -1, 1);
        DTensor b = DTensor.random(tb ? new int[] {5, 4} : new int[] {4, 5}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.MatMul(ta, tb), a, b);
        DTensor at = ta ? OneOp.eval(new Op.Transpose(List.of(1, 0)), a) : a;
        DTensor bt = tb ? OneOp.eval(new Op.Transpose(List.of(1, 0)), b) : b;
        assertArrayEquals(new int[] {3, 5}, y.shape());
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int k = 0; k < 4; k++) s += at.get(i, k) * bt.get(k, j);
                assertEquals(s, y.get(i, j), 1e-12);
            }
    }

    @Test
    void conv2dMatchesTheDefiningSumWithPaddingAndStride() {
        Padding pad = new Padding(1, 0, 2, 1);
        DTensor x = DTensor.random(new int[] {2, 3, 5, 6}, rng, -1, 1);
        DTensor w = DTensor.random(new int[] {4, 3, 3, 2}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Conv2d(2, pad), x, w);
        int oh = Padding.outSize(5, 3, 2, 1, 0), ow = Padding.outSize(6, 2, 2, 2, 1);
        assertArrayEquals(new int[] {2, 4, oh, ow}, y.shape());
        for (int n = 0; n < 2; n++)
            for (int f = 0; f < 4; f++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = 0;
                        for (int c = 0; c < 3; c++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 2; kx++) {
                                    int iy = oy * 2 + ky - 1, ix = ox * 2 + kx - 2;
                                    if (iy >= 0 && iy < 5 && ix >= 0 && ix < 6) s += x.get(n, c, iy, ix) * w.get(f, c, ky, kx);
                                }
                        assertEquals(s, y.get(n, f, oy, ox), 1e-12);
                    }
    }

    @ParameterizedTest
    @CsvSource({"1,0,0,0,0", "2,1,0,2,1", "2,1,1,1,1", "3,0,2,1,0"})
    void convolutionBackwardOpsAreTheAdjointsOfConvolution(int stride, int top, int bottom, int left, int right) {
        Padding pad = new Padding(top, bottom, left, right);
        DTensor x = DTensor.random(new int[] {2, 3, 7, 6}, rng, -1, 1);
        DTensor w = DTensor.random(new int[] {4, 3, 3, 3}, rng, -1, 1);
        DTensor y = OneOp.eval(new Op.Conv2d(stride, pad), x, w);
        DTensor dy = DTensor.random(y.shape(), rng, -1, 1);
        DTensor dx = OneOp.eval(new Op.Conv2dBackwardData(stride, pad, 7, 6), dy, w);
        DTensor dw = OneOp.eval(new Op.Conv2dBackwardFilter(stride, pad, 3, 3), x, dy);
        assertArrayEquals(x.shape(), dx.shape());
        assertArrayEquals(w.shape(), dw.shape());
        double lhs = OneOp.dot(y, dy);
        assertEquals(lhs, OneOp.dot(x, dx), 1e-10);
        assertEquals(lhs, OneOp.dot(w, dw), 1e-10);
    }
}
