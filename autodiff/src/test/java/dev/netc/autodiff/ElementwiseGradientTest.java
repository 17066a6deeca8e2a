package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.Op;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ElementwiseGradientTest {

    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unary(UnaryFn fn) {
        GradCheck c = new GradCheck(fn.ordinal() + 1);
        DTensor x = switch (fn) {
            case LOG, SQRT, RECIPROCAL -> DTensor.random(new int[] {3, 4}, c.rng, 0.5, 2);
            case RELU, ABS, STEP -> c.awayFromZero(3, 4);
            default -> DTensor.random(new int[] {3, 4}, c.rng, -1.5, 1.5);
        };
        c.check(c.add(new Op.Unary(fn), c.param("x", x)));
    }

    static Stream<Arguments> broadcastCases() {
        int[][][] shapes = {
            {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3, 4}, {3, 1}}, {{1, 4}, {}}};
        return Stream.of(BinaryFn.values()).flatMap(fn -> Stream.of(shapes).map(s -> Arguments.of(fn, s[0], s[1])));
    }

    @ParameterizedTest
    @MethodSource("broadcastCases")
    void binaryWithBroadcasting(BinaryFn fn, int[] aShape, int[] bShape) {
        GradCheck c = new GradCheck(31L * fn.ordinal() + aShape.length + 7L * bShape.length);
        int a = c.param("a", DTensor.random(aShape, c.rng, -1, 1));
        // A positive divisor keeps a/b smooth; otherwise b is independent of a so MAX/MIN/GREATER see no ties.
        int b = c.param("b", fn == BinaryFn.DIV ? DTensor.random(bShape, c.rng, 0.5, 2) : DTensor.random(bShape, c.rng, -1, 1));
        c.check(c.add(new Op.Binary(fn), a, b));
    }

    @Test
    void anOperandUsedTwiceAccumulatesBothContributions() {
        GradCheck c = new GradCheck(5);
        int x = c.param("x", new int[] {2, 3}, -1, 1);
        int xx = c.add(new Op.Binary(BinaryFn.MUL), x, x);
        c.check(c.add(new Op.Binary(BinaryFn.ADD), xx, c.add(new Op.Unary(UnaryFn.TANH), x)));
    }

    @Test
    void dropoutPassesTheGradientThroughItsFixedMask() {
        GradCheck c = new GradCheck(9);
        int x = c.param("x", new int[] {4, 5}, -1, 1);
        int mask = c.add(new Op.DropoutMask(0.5), x);
        Graph g = c.withLoss(c.add(new Op.Binary(BinaryFn.MUL), x, mask));
        GradientChecker.Result r = GradientChecker.check(g, c.feeds, c.dims, GradientChecker.DEFAULT_EPS);
        org.junit.jupiter.api.Assertions.assertTrue(r.maxError() < GradCheck.TOLERANCE, r.worst());
        // Outside training the mask is all ones, so the gradient is exactly R.
        DTensor grad = Interpreter.runOutputs(Autodiff.differentiate(g), c.feeds, Map.of(), false, 0).get("grad/x");
        assertArrayEquals(c.feeds.get("R").data(), grad.data(), 1e-15);
    }
}
