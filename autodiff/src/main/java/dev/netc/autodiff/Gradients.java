package dev.netc.autodiff;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Node;
import dev.netc.ir.Gather;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.Arrays;
import java.util.List;

/**
 * The gradient rule of every op, in one exhaustive switch over the sealed {@link Op} type: a new op
 * is a compile error here until its rule exists. A rule gets the forward node, the id of the
 * gradient flowing into its output ({@code dy}) and which operands want a gradient; it returns, per
 * operand, the id of that operand's gradient contribution (typed exactly like the operand) or
 * {@link #NONE}.
 */
final class Gradients {
    private Gradients() {}

    /** No gradient for this operand (not wanted, not differentiable, or zero almost everywhere). */
    static final int NONE = -1;

    static int[] of(Node node, int dy, boolean[] wants, GradientBuilder e) {
        int[] in = node.inputs().stream().mapToInt(Integer::intValue).toArray();
        int y = node.id();
        DType dt = node.type().dtype();
        int[] grads = new int[in.length];
        Arrays.fill(grads, NONE);
        switch (node.op()) {
            case Op.Input i -> { }
            case Op.Parameter p -> { }
            case Op.Constant c -> { }
            case Op.Unary u -> grads[0] = unary(u.fn(), in[0], y, dy, dt, e);
            case Op.Binary b -> binary(b.fn(), in, y, dy, wants, dt, grads, e);
            case Op.DropoutMask d -> { } // the mask does not depend on its operand's values
            case Op.MatMul m -> matMul(m, in, dy, wants, grads, e);
            case Op.Conv2d c -> {
                Shape x = e.shape(in[0]), w = e.shape(in[1]);
                if (wants[0]) grads[0] = e.add(new Op.Conv2dBackwardData(c.stride(), c.padding(), x.size(2), x.size(3)), dy, in[1]);
                if (wants[1]) grads[1] = e.add(new Op.Conv2dBackwardFilter(c.stride(), c.padding(), w.size(2), w.size(3)), in[0], dy);
            }
            case Op.Conv2dBackwardData c -> { // (dyIn, w) -> dx, linear in each operand
                Shape w = e.shape(in[1]);
                if (wants[0]) grads[0] = e.add(new Op.Conv2d(c.stride(), c.padding()), dy, in[1]);
                if (wants[1]) grads[1] = e.add(new Op.Conv2dBackwardFilter(c.stride(), c.padding(), w.size(2), w.size(3)), dy, in[0]);
            }
            case Op.Conv2dBackwardFilter c -> { // (x, dyIn) -> dw, linear in each operand
                Shape x = e.shape(in[0]);
                if (wants[0]) grads[0] = e.add(new Op.Conv2dBackwardData(c.stride(), c.padding(), x.size(2), x.size(3)), in[1], dy);
                if (wants[1]) grads[1] = e.add(new Op.Conv2d(c.stride(), c.padding()), in[0], dy);
            }
            case Op.MaxPool p -> grads[0] = e.add(new Op.MaxPoolGrad(p.size(), p.stride(), p.padding()), in[0], dy);
            case Op.MaxPoolGrad p -> {
                // Piecewise constant in x (the argmax positions), so x gets nothing; dy would need a gather op.
                if (wants[1]) throw new UnsupportedOperationException("second-order gradient of max_pool_grad not supported");
            }
            // both appear only after differentiation (PoolingRewrite, for the fused plan): the argmax is an
            // index, and the indexed gradient would need a gather by it, which no graph asks for
            case Op.MaxPoolArgmax p -> { } // integer output
            case Op.MaxPoolGradIndexed p -> {
                if (wants[1]) throw new UnsupportedOperationException("second-order gradient of max_pool_grad_indexed not supported");
            }
            case Op.Reduce r -> grads[0] = reduce(r, in[0], y, dy, dt, e);
            case Op.SumTo s -> grads[0] = e.broadcastTo(dy, e.shape(in[0]));
            case Op.BroadcastTo b -> grads[0] = e.sumTo(dy, e.shape(in[0]));
            case Op.Softmax s -> { // y * (dy - sum(dy * y))
                int dot = e.reduce(ReduceFn.SUM, List.of(s.axis()), true, e.mul(dy, y));
                grads[0] = e.mul(y, e.sub(dy, dot));
            }
            case Op.LogSoftmax s -> { // dy - softmax(x) * sum(dy), with softmax(x) = exp(y)
                int total = e.reduce(ReduceFn.SUM, List.of(s.axis()), true, dy);
                grads[0] = e.sub(dy, e.mul(e.unary(UnaryFn.EXP, y), total));
            }
            case Op.Argmax a -> { } // integer output
            case Op.Reshape r -> grads[0] = e.reshape(dy, e.shape(in[0]));
            case Op.Transpose t -> {
                List<Integer> perm = t.permutation();
                Integer[] inverse = new Integer[perm.size()];
                for (int i = 0; i < perm.size(); i++) inverse[perm.get(i)] = i;
                grads[0] = e.add(new Op.Transpose(List.of(inverse)), dy);
            }
            case Op.OneHot o -> { } // integer operand
            case Op.TrainSelect t -> grads[0] = dy; // gradients are taken in training, where the first operand is used
            case Op.AvgPool p -> grads[0] = LayoutGradients.avgPool(p, in[0], dy, e);
            case Op.AvgPoolGrad p -> grads[0] = e.add(new Op.AvgPool(p.size(), p.stride(), p.padding()), dy);
            case Op.Concat c -> LayoutGradients.concat(c, in, dy, wants, grads, e);
            case Op.Slice s -> grads[0] = LayoutGradients.slice(s, in[0], dy, e);
            case Op.LayerNorm l -> grads[0] = e.add(new Op.LayerNormGrad(l.epsilon()), in[0], dy);
            // the table's gradient is a scatter-add of dy into its rows; the ids are integers
            case Gather g -> grads[0] = e.add(new Gather.Grad(e.shape(in[0]).size(0)), in[1], dy);
            // linear in dy: each dy row's gradient is the output gradient's row of its id
            case Gather.Grad g -> grads[1] = e.add(new Gather(), dy, in[0]);
            case Op.LayerNormGrad l -> throw new UnsupportedOperationException(
                    "the second derivative of layer_norm is not implemented (netc differentiates once, for training)");
        }
        for (int i = 0; i < grads.length; i++) if (!wants[i]) grads[i] = NONE;
        return grads;
    }

    private static int unary(UnaryFn fn, int x, int y, int dy, DType dt, GradientBuilder e) {
        return switch (fn) {
            case NEG -> e.neg(dy);
            // from the output y = relu(x) (y > 0 exactly where x > 0), so x keeps one user and fuses into its producer
            case RELU -> e.mul(dy, e.unary(UnaryFn.STEP, y));
            case SIGMOID -> e.mul(dy, e.mul(y, e.sub(e.scalar(1, dt), y)));
            case TANH -> e.mul(dy, e.sub(e.scalar(1, dt), e.unary(UnaryFn.SQUARE, y)));
            case EXP -> e.mul(dy, y);
            case LOG -> e.div(dy, x);
            case SQRT -> e.div(dy, e.mul(e.scalar(2, dt), y));
            case SQUARE -> e.mul(e.mul(e.scalar(2, dt), x), dy);
            case RECIPROCAL -> e.neg(e.mul(e.mul(dy, y), y));
            case ABS -> e.mul(dy, e.sub(e.unary(UnaryFn.STEP, x), e.unary(UnaryFn.STEP, e.neg(x))));
            case STEP -> NONE; // zero almost everywhere
            case SOFTPLUS -> e.mul(dy, e.unary(UnaryFn.SIGMOID, x));
            // d erf = 2/sqrt(pi) exp(-x^2)
            case ERF -> e.mul(dy, e.mul(e.scalar(2 / Math.sqrt(Math.PI), dt), e.unary(UnaryFn.EXP, e.neg(e.unary(UnaryFn.SQUARE, x)))));
            // d gelu = Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi)
            case GELU -> {
                int phi = e.mul(e.scalar(0.5, dt), e.plus(e.scalar(1, dt),
                        e.unary(UnaryFn.ERF, e.mul(x, e.scalar(1 / Math.sqrt(2), dt)))));
                int density = e.mul(e.scalar(1 / Math.sqrt(2 * Math.PI), dt),
                        e.unary(UnaryFn.EXP, e.mul(e.scalar(-0.5, dt), e.unary(UnaryFn.SQUARE, x))));
                yield e.mul(dy, e.plus(phi, e.mul(x, density)));
            }
            // with t = tanh(c (x + a x^3)): 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2)
            case GELU_TANH -> {
                int x2 = e.unary(UnaryFn.SQUARE, x);
                int inner = e.mul(e.scalar(UnaryFn.GELU_TANH_SCALE, dt), e.plus(x,
                        e.mul(e.scalar(UnaryFn.GELU_TANH_CUBIC, dt), e.mul(x2, x))));
                int t = e.unary(UnaryFn.TANH, inner);
                int left = e.mul(e.scalar(0.5, dt), e.plus(e.scalar(1, dt), t));
                int slope = e.mul(e.scalar(UnaryFn.GELU_TANH_SCALE, dt), e.plus(e.scalar(1, dt),
                        e.mul(e.scalar(3 * UnaryFn.GELU_TANH_CUBIC, dt), x2)));
                int right = e.mul(e.mul(e.scalar(0.5, dt), x), e.mul(e.sub(e.scalar(1, dt), e.unary(UnaryFn.SQUARE, t)), slope));
                yield e.mul(dy, e.plus(left, right));
            }
            // d silu = s (1 + x (1 - s)), s = sigmoid(x)
            case SILU -> {
                int sig = e.unary(UnaryFn.SIGMOID, x);
                yield e.mul(dy, e.mul(sig, e.plus(e.scalar(1, dt),
                        e.mul(x, e.sub(e.scalar(1, dt), sig)))));
            }
            // d mish = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x))
            case MISH -> {
                int t = e.unary(UnaryFn.TANH, e.unary(UnaryFn.SOFTPLUS, x));
                yield e.mul(dy, e.plus(t, e.mul(x, e.mul(e.sub(e.scalar(1, dt), e.unary(UnaryFn.SQUARE, t)), e.unary(UnaryFn.SIGMOID, x)))));
            }
            // slope 0.2 inside (-2.5, 2.5), where the clip is not active
            case HARD_SIGMOID -> {
                double edge = UnaryFn.HARD_SIGMOID_OFFSET / UnaryFn.HARD_SIGMOID_SLOPE;
                int inside = e.mul(e.unary(UnaryFn.STEP, e.plus(x, e.scalar(edge, dt))),
                        e.unary(UnaryFn.STEP, e.sub(e.scalar(edge, dt), x)));
                yield e.mul(dy, e.mul(e.scalar(UnaryFn.HARD_SIGMOID_SLOPE, dt), inside));
            }
        };
    }

    /** Contributions shaped like the output, then summed down to each operand's shape. */
    private static void binary(BinaryFn fn, int[] in, int y, int dy, boolean[] wants, DType dt, int[] grads, GradientBuilder e) {
        int a = in[0], b = in[1];
        int da = NONE, db = NONE;
        switch (fn) {
            case ADD -> { da = dy; db = dy; }
            case SUB -> { da = dy; db = wants[1] ? e.neg(dy) : NONE; }
            case MUL -> { da = wants[0] ? e.mul(dy, b) : NONE; db = wants[1] ? e.mul(dy, a) : NONE; }
            case DIV -> { // d(a/b)/db = -a/b^2 = -y/b
                da = wants[0] ? e.div(dy, b) : NONE;
                db = wants[1] ? e.neg(e.div(e.mul(dy, y), b)) : NONE;
            }
            case MAX, MIN -> { // the operand that won takes dy; ties go to b
                int aWins = fn == BinaryFn.MAX ? e.binary(BinaryFn.GREATER, a, b) : e.binary(BinaryFn.GREATER, b, a);
                da = e.mul(dy, aWins);
                db = wants[1] ? e.sub(dy, da) : NONE;
            }
            case GREATER -> { } // piecewise constant
        }
        if (wants[0] && da != NONE) grads[0] = e.sumTo(da, e.shape(a));
        if (wants[1] && db != NONE) grads[1] = e.sumTo(db, e.shape(b));
    }

    /** For C = op(A) op(B): dA and dB as matmuls of dy and the other operand with transpose flags. */
    private static void matMul(Op.MatMul m, int[] in, int dy, boolean[] wants, int[] grads, GradientBuilder e) {
        int a = in[0], b = in[1];
        boolean ta = m.transposeA(), tb = m.transposeB();
        if (wants[0]) grads[0] = !ta
                ? (tb ? e.matMul(false, false, dy, b) : e.matMul(false, true, dy, b))   // dy B  |  dy B^T
                : (tb ? e.matMul(true, true, b, dy) : e.matMul(false, true, b, dy));    // B^T dy^T  |  B dy^T
        if (wants[1]) grads[1] = !tb
                ? (ta ? e.matMul(false, false, a, dy) : e.matMul(true, false, a, dy))   // A dy  |  A^T dy
                : (ta ? e.matMul(true, true, dy, a) : e.matMul(true, false, dy, a));    // dy^T A^T  |  dy^T A
    }

    /** Sum and mean broadcast dy back over the reduced axes; max sends it to every maximal element. */
    private static int reduce(Op.Reduce r, int x, int y, int dy, DType dt, GradientBuilder e) {
        Shape xs = e.shape(x), kept = GradientBuilder.keptShape(xs, r.axes());
        int spread = e.broadcastTo(e.reshape(dy, kept), xs);
        return switch (r.fn()) {
            case SUM -> spread;
            case MEAN -> e.div(spread, count(r.axes(), xs, dt, e));
            case MAX -> { // mask = 1 where x equals the max: max >= x always, so 1 - (max > x)
                int max = e.broadcastTo(e.reshape(y, kept), xs);
                int mask = e.sub(e.scalar(1, dt), e.binary(BinaryFn.GREATER, max, x));
                yield e.mul(spread, mask);
            }
        };
    }

    /**
     * The number of reduced elements: a scalar constant when known; for a symbolic (batch) axis, the
     * sum of a ones tensor over the axes, so the value is bound at run time.
     */
    private static int count(List<Integer> axes, Shape xs, DType dt, GradientBuilder e) {
        long n = 1;
        boolean known = true;
        for (int a : axes) {
            if (xs.dim(a) instanceof Dim.Known k) n *= k.size();
            else known = false;
        }
        if (known) return e.scalar(n, dt);
        Shape reducedOnly = xs;
        for (int i = 0; i < xs.rank(); i++) if (!axes.contains(i)) reducedOnly = reducedOnly.with(i, Dim.of(1));
        return e.reduce(ReduceFn.SUM, axes, true, e.constant(1, new TensorType(dt, reducedOnly)));
    }
}
