package dev.netc.codegen.java;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;

/** Small forward graphs that together use every op; the batch is the symbol B. */
final class TestGraphs {
    private TestGraphs() {}

    static final Dim B = Dim.sym("B");

    static TensorType f32(Dim... dims) { return new TensorType(DType.F32, Shape.of(dims)); }

    static Dim d(int n) { return Dim.of(n); }

    /** Dense -> relu -> dense, softmax cross-entropy via log_softmax and one_hot, plus an argmax output. */
    static Graph mlp() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", f32(B, d(6)));
        int labels = b.input("labels", new TensorType(DType.I32, Shape.of(B)));
        int w1 = b.parameter("dense1/kernel", TensorType.f32(6, 8), new Init.GlorotUniform(), true);
        int b1 = b.parameter("dense1/bias", TensorType.f32(8), new Init.Zeros(), true);
        int w2 = b.parameter("dense2/kernel", TensorType.f32(8, 4), new Init.GlorotUniform(), true);
        int b2 = b.parameter("dense2/bias", TensorType.f32(4), new Init.Zeros(), true);
        int h = b.add(new Op.MatMul(false, false), null, x, w1);
        h = b.add(new Op.Binary(BinaryFn.ADD), null, h, b1);
        h = b.add(new Op.Unary(UnaryFn.RELU), "h1", h);
        int logits = b.add(new Op.MatMul(false, false), null, h, w2);
        logits = b.add(new Op.Binary(BinaryFn.ADD), "logits", logits, b2);
        b.output("logits", logits);
        b.output("predictions", b.add(new Op.Argmax(1), "predictions", logits));
        int lsm = b.add(new Op.LogSoftmax(1), null, logits);
        int oh = b.add(new Op.OneHot(4), null, labels);
        int picked = b.add(new Op.Binary(BinaryFn.MUL), null, lsm, oh);
        int perExample = b.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), null, picked);
        int nll = b.add(new Op.Unary(UnaryFn.NEG), null, perExample);
        b.output("loss", b.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), "loss", nll));
        return b.build();
    }

    /** conv -> bias -> tanh -> padded max_pool -> strided conv -> sigmoid -> reshape -> dense; MSE on softmax. */
    static Graph cnn() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("image", f32(B, d(2), d(7), d(7)));
        int labels = b.input("labels", new TensorType(DType.I32, Shape.of(B)));
        int k1 = b.parameter("conv1/kernel", TensorType.f32(3, 2, 3, 3), new Init.HeNormal(), true);
        int c1 = b.parameter("conv1/bias", TensorType.f32(3, 1, 1), new Init.Zeros(), true);
        int k2 = b.parameter("conv2/kernel", TensorType.f32(4, 3, 2, 2), new Init.HeNormal(), true);
        int w = b.parameter("dense/kernel", TensorType.f32(16, 3), new Init.GlorotUniform(), true);
        int h = b.add(new Op.Conv2d(1, Padding.uniform(1)), null, x, k1);
        h = b.add(new Op.Binary(BinaryFn.ADD), null, h, c1);
        h = b.add(new Op.Unary(UnaryFn.TANH), "conv1", h);
        h = b.add(new Op.MaxPool(2, 2, new Padding(0, 1, 0, 1)), "pool1", h);
        h = b.add(new Op.Conv2d(2, Padding.NONE), null, h, k2);
        h = b.add(new Op.Unary(UnaryFn.SIGMOID), "conv2", h);
        h = b.add(new Op.Reshape(Shape.of(B, d(16))), "flat", h);
        return withSquaredErrorHead(b, h, w, labels);
    }

    /**
     * Ends a small classifier: logits = features @ w (output "logits"), and as "loss" the mean squared
     * difference between the softmax of the logits and the one-hot of the three-class labels.
     */
    static Graph withSquaredErrorHead(GraphBuilder b, int features, int w, int labels) throws ShapeError {
        int logits = b.add(new Op.MatMul(false, false), "logits", features, w);
        b.output("logits", logits);
        int p = b.add(new Op.Softmax(1), "probabilities", logits);
        int diff = b.add(new Op.Binary(BinaryFn.SUB), null, p, b.add(new Op.OneHot(3), null, labels));
        int sq = b.add(new Op.Unary(UnaryFn.SQUARE), null, diff);
        b.output("loss", b.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", sq));
        return b.build();
    }

    /** Every unary and binary function, broadcasting both ways, constants, and a dropout mask. */
    static Graph elementwise() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", f32(B, d(5)));
        int p = b.parameter("p", TensorType.f32(5), new Init.Ones(), true);
        int q = b.parameter("q", TensorType.f32(1, 5), new Init.Ones(), true);
        int s = b.parameter("s", TensorType.f32(), new Init.Ones(), true);
        int mixed = everyFunction(b, x, p, q, s, f32(B, d(5)));
        int mask = b.add(new Op.DropoutMask(0.25), null, mixed);
        int dropped = b.add(new Op.Binary(BinaryFn.MUL), "dropped", mixed, mask);
        b.output("y", dropped);
        int total = b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), null, bin(b, BinaryFn.MUL, dropped, dropped));
        b.output("loss", bin(b, BinaryFn.MUL, total, s));
        return b.build();
    }

    /**
     * Every unary and binary function with operands a vector loop reads whole: same shape, a row
     * [32] contiguous along the loop, a per-row [4, 1] value uniform over each vector, scalars and
     * constants; plus a [B, 5] chain whose loop ends in a scalar tail.
     */
    static Graph vectorizable() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", f32(B, d(4), d(32)));
        int z = b.input("z", f32(B, d(5)));
        int p = b.parameter("p", TensorType.f32(32), new Init.Ones(), true);
        int q = b.parameter("q", TensorType.f32(4, 1), new Init.Ones(), true);
        int s = b.parameter("s", TensorType.f32(), new Init.Ones(), true);
        int mixed = everyFunction(b, x, p, q, s, f32(B, d(4), d(32)));
        int soft = un(b, UnaryFn.SOFTPLUS, bin(b, BinaryFn.SUB, x, q));
        int y = bin(b, BinaryFn.ADD, mixed, soft);
        b.output("y", y);
        int tail = bin(b, BinaryFn.MUL, un(b, UnaryFn.TANH, z), z);
        b.output("tail", tail);
        int total = b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1, 2), false), null, bin(b, BinaryFn.MUL, y, y));
        int tailTotal = b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), null, tail);
        b.output("loss", bin(b, BinaryFn.MUL, bin(b, BinaryFn.ADD, total, tailTotal), s));
        return b.build();
    }

    /**
     * Every unary and binary function (but softplus) over x and the broadcast operands p, q and s, with
     * constants; {@code like} is x's type, for a constant of that full shape.
     */
    private static int everyFunction(GraphBuilder b, int x, int p, int q, int s, TensorType like) throws ShapeError {
        int one = b.constant(1, TensorType.f32());
        int a = bin(b, BinaryFn.MUL, x, p);
        int e = un(b, UnaryFn.EXP, un(b, UnaryFn.NEG, un(b, UnaryFn.ABS, a)));
        int l = un(b, UnaryFn.LOG, bin(b, BinaryFn.ADD, un(b, UnaryFn.SQUARE, a), one));
        int r = un(b, UnaryFn.SQRT, bin(b, BinaryFn.ADD, un(b, UnaryFn.SQUARE, x), b.constant(2, like)));
        int f = bin(b, BinaryFn.DIV, l, r);
        int g = bin(b, BinaryFn.MAX, bin(b, BinaryFn.MUL, a, un(b, UnaryFn.RECIPROCAL, r)), f);
        int h = bin(b, BinaryFn.MIN, g, e);
        int t = un(b, UnaryFn.TANH, bin(b, BinaryFn.SUB, un(b, UnaryFn.SIGMOID, h), q));
        int gate = bin(b, BinaryFn.GREATER, x, b.constant(-0.5, TensorType.f32(1)));
        int relu = un(b, UnaryFn.RELU, bin(b, BinaryFn.MUL, t, s));
        return bin(b, BinaryFn.ADD, bin(b, BinaryFn.MUL, relu, gate), bin(b, BinaryFn.MUL, t, un(b, UnaryFn.STEP, x)));
    }

    /** reshape, transpose, broadcast_to, sum_to, reductions with and without keep_dims, softmax on an inner axis. */
    static Graph layout() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", f32(B, d(6)));
        int w = b.parameter("w", TensorType.f32(2, 3), new Init.Ones(), true);
        int v = b.parameter("v", TensorType.f32(3, 1), new Init.Ones(), true);
        int cube = b.add(new Op.Reshape(Shape.of(B, d(2), d(3))), "cube", x);
        int scaled = bin(b, BinaryFn.MUL, cube, w);
        int soft = b.add(new Op.Softmax(1), "soft", scaled);
        b.output("best", b.add(new Op.Argmax(1), "best", scaled));
        int tr = b.add(new Op.Transpose(List.of(2, 0, 1)), "tr", soft); // [3, B, 2]
        int mx = b.add(new Op.Reduce(ReduceFn.MAX, List.of(1), true), "mx", tr); // [3, 1, 2]
        int mean = b.add(new Op.Reduce(ReduceFn.MEAN, List.of(2), false), "mean", mx); // [3, 1]
        int bc = b.add(new Op.BroadcastTo(Shape.of(d(3), d(4))), "bc", bin(b, BinaryFn.MUL, mean, v)); // [3, 4]
        int summed = b.add(new Op.SumTo(Shape.of(d(3), d(1))), "summed", un(b, UnaryFn.SQUARE, bc));
        int lsm = b.add(new Op.LogSoftmax(0), "lsm", scaled); // along the batch axis
        int part1 = b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), null, summed);
        int part2 = b.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1, 2), false), null, un(b, UnaryFn.SQUARE, lsm));
        b.output("soft", soft);
        b.output("loss", bin(b, BinaryFn.ADD, part1, part2));
        return b.build();
    }

    /** Anchors with epilogues the library takes (bias [1, n] + sigmoid) and ones it does not (exp then neg). */
    static Graph epilogues() throws ShapeError {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", f32(B, d(4)));
        int w = b.parameter("w", TensorType.f32(3, 4), new Init.GlorotUniform(), true);
        int bias = b.parameter("bias", TensorType.f32(1, 3), new Init.Zeros(), true);
        int u = b.parameter("u", TensorType.f32(4, 3), new Init.GlorotUniform(), true);
        int h = b.add(new Op.MatMul(false, true), null, x, w);
        h = un(b, UnaryFn.SIGMOID, bin(b, BinaryFn.ADD, bias, h));
        int e = un(b, UnaryFn.NEG, un(b, UnaryFn.EXP, b.add(new Op.MatMul(false, false), null, x, u)));
        b.output("h", h);
        // a * sigmoid(a) after a matmul and bias: the epilogue reads the pre-activation twice
        int a = bin(b, BinaryFn.ADD, bias, b.add(new Op.MatMul(false, true), null, x, w));
        int silu = bin(b, BinaryFn.MUL, a, un(b, UnaryFn.SIGMOID, a));
        b.output("silu", silu);
        int y = bin(b, BinaryFn.MUL, bin(b, BinaryFn.ADD, h, silu), e);
        b.output("y", y);
        b.output("loss", b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), "loss", y));
        return b.build();
    }

    static int un(GraphBuilder b, UnaryFn fn, int x) throws ShapeError { return b.add(new Op.Unary(fn), null, x); }

    static int bin(GraphBuilder b, BinaryFn fn, int x, int y) throws ShapeError { return b.add(new Op.Binary(fn), null, x, y); }
}
