package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.eval.DTensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Test harness: builds a small f64 graph from random trainable parameters, closes it with
 * loss = sum(y * R) for a fixed random R, and compares symbolic and finite-difference gradients.
 */
final class GradCheck {
    static final double TOLERANCE = 1e-6;

    final GraphBuilder b = new GraphBuilder();
    final Map<String, DTensor> feeds = new HashMap<>();
    final Map<String, Integer> dims = new HashMap<>();
    final SplittableRandom rng;

    GradCheck(long seed) { rng = new SplittableRandom(seed); }

    static TensorType f64(int... shape) { return new TensorType(DType.F64, Shape.of(shape)); }

    /** A trainable f64 parameter with uniform random values in [lo, hi). */
    int param(String name, int[] shape, double lo, double hi) {
        return param(name, DTensor.random(shape, rng, lo, hi));
    }

    int param(String name, DTensor value) {
        feeds.put(name, value);
        return b.parameter(name, f64(value.shape()), new Init.Zeros(), true);
    }

    /** Distinct values (gaps of at least 0.05, shuffled) so that max-based ops have no ties or kinks nearby. */
    DTensor distinct(int... shape) {
        int n = DTensor.count(shape);
        List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        for (int i = n - 1; i > 0; i--) java.util.Collections.swap(order, i, rng.nextInt(i + 1));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = -1 + 0.05 * order.get(i) + 0.01 * rng.nextDouble();
        return new DTensor(shape, d);
    }

    /** Values of magnitude in [0.2, 1) with random signs: away from the kinks of relu, abs and step. */
    DTensor awayFromZero(int... shape) {
        DTensor t = DTensor.random(shape, rng, 0.2, 1);
        for (int i = 0; i < t.size(); i++) if (rng.nextBoolean()) t.data()[i] = -t.data()[i];
        return t;
    }

    int add(Op op, int... inputs) { return b.addChecked(op, inputs); }

    /** Closes the graph with loss = sum(y * R). */
    Graph withLoss(int y) {
        int[] shape = b.type(y).shape().bind(dims);
        int r = b.input("R", new TensorType(b.type(y).dtype(), b.type(y).shape()));
        feeds.put("R", DTensor.random(shape, rng, -1, 1));
        int weighted = add(new Op.Binary(BinaryFn.MUL), y, r);
        List<Integer> all = IntStream.range(0, shape.length).boxed().toList();
        b.output(Graph.LOSS, add(new Op.Reduce(ReduceFn.SUM, all, false), weighted));
        return b.build();
    }

    /** Asserts that every gradient of loss = sum(y * R) matches finite differences. */
    GradientChecker.Result check(int y) {
        GradientChecker.Result r = GradientChecker.check(withLoss(y), feeds, dims, GradientChecker.DEFAULT_EPS);
        assertTrue(r.entries() > 0, "nothing was compared");
        assertTrue(r.maxError() < TOLERANCE, "gradient mismatch " + r.maxError() + " at " + r.worst());
        return r;
    }
}
