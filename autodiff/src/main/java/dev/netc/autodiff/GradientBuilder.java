package dev.netc.autodiff;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;

/**
 * Appends backward nodes to a graph builder. Every node gets the current label ("d/&lt;forward
 * node&gt;") so dumps show which forward node a backward node belongs to. Shape errors here are
 * compiler bugs, not user errors.
 */
final class GradientBuilder {
    private final GraphBuilder builder;
    private String label;

    GradientBuilder(GraphBuilder builder) { this.builder = builder; }

    /** Names the nodes emitted from now on. */
    void label(String label) { this.label = label; }

    TensorType type(int id) { return builder.type(id); }

    Shape shape(int id) { return builder.type(id).shape(); }

    int add(Op op, int... inputs) {
        try {
            return builder.add(op, label, inputs);
        } catch (ShapeError e) {
            throw new IllegalStateException("autodiff built an ill-typed node: " + e.getMessage(), e);
        }
    }

    /** A rank-0 constant, which broadcasts against anything. */
    int scalar(double value, DType dtype) {
        return builder.leaf(new Op.Constant(value), new TensorType(dtype, Shape.SCALAR), label);
    }

    int constant(double value, TensorType type) { return builder.leaf(new Op.Constant(value), type, label); }

    int unary(UnaryFn fn, int x) { return add(new Op.Unary(fn), x); }

    int binary(BinaryFn fn, int a, int b) { return add(new Op.Binary(fn), a, b); }

    int plus(int a, int b) { return binary(BinaryFn.ADD, a, b); }

    int mul(int a, int b) { return binary(BinaryFn.MUL, a, b); }

    int sub(int a, int b) { return binary(BinaryFn.SUB, a, b); }

    int div(int a, int b) { return binary(BinaryFn.DIV, a, b); }

    int neg(int x) { return unary(UnaryFn.NEG, x); }

    int matMul(boolean transposeA, boolean transposeB, int a, int b) { return add(new Op.MatMul(transposeA, transposeB), a, b); }

    /** x summed down to target, or x itself when it already has that shape. */
    int sumTo(int x, Shape target) { return shape(x).equals(target) ? x : add(new Op.SumTo(target), x); }

    int broadcastTo(int x, Shape target) { return shape(x).equals(target) ? x : add(new Op.BroadcastTo(target), x); }

    int reshape(int x, Shape target) { return shape(x).equals(target) ? x : add(new Op.Reshape(target), x); }

    int reduce(ReduceFn fn, List<Integer> axes, boolean keepDims, int x) { return add(new Op.Reduce(fn, axes, keepDims), x); }

    /** The shape of x with the given axes set to 1 (a keep_dims reduction's shape). */
    static Shape keptShape(Shape x, List<Integer> axes) {
        Shape s = x;
        for (int a : axes) s = s.with(a, Dim.of(1));
        return s;
    }
}
