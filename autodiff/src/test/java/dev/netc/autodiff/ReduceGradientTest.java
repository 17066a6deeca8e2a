package dev.netc.autodiff;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.eval.DTensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReduceGradientTest {

    static Stream<Arguments> reductions() {
        List<List<Integer>> axes = List.of(List.of(0), List.of(2), List.of(1, 2), List.of(0, 2), List.of(0, 1, 2));
        return Stream.of(ReduceFn.values()).flatMap(fn -> axes.stream().flatMap(a ->
                Stream.of(true, false).map(keep -> Arguments.of(fn, a, keep))));
    }

    @ParameterizedTest
    @MethodSource("reductions")
    void reduceOverAxes(ReduceFn fn, List<Integer> axes, boolean keepDims) {
        GradCheck c = new GradCheck(fn.ordinal() * 1000L + axes.hashCode() + (keepDims ? 1 : 0));
        int x = c.param("x", c.distinct(2, 3, 4)); // distinct values: the max is unique
        c.check(c.add(new Op.Reduce(fn, axes, keepDims), x));
    }

    @Test
    void meanOverASymbolicBatchDividesByTheBoundSize() {
        GradCheck c = new GradCheck(77);
        c.dims.put("B", 5);
        int x = c.b.input("x", new TensorType(DType.F64, Shape.of(Dim.sym("B"), Dim.of(3))));
        c.feeds.put("x", DTensor.random(new int[] {5, 3}, c.rng, -1, 1));
        int w = c.param("w", new int[] {3}, -1, 1);
        int xw = c.add(new Op.Binary(BinaryFn.MUL), x, w);
        c.check(c.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), xw));
    }

    @Test
    void sumToAndBroadcastTo() {
        GradCheck c = new GradCheck(78);
        int big = c.param("big", new int[] {2, 3, 4}, -1, 1);
        int small = c.param("small", new int[] {3, 1}, -1, 1);
        int down = c.add(new Op.SumTo(Shape.of(3, 1)), big);
        int up = c.add(new Op.BroadcastTo(Shape.of(2, 3, 4)), c.add(new Op.Binary(BinaryFn.MUL), down, small));
        c.check(c.add(new Op.Binary(BinaryFn.MUL), up, big));
    }
}
