package dev.netc.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The IR's operations. Each record carries its attributes and its shape rule; the gradient of each
 * op lives in autodiff ({@code Gradients}) and its code in the backends, all found by exhaustive
 * switches over this sealed type, so a new op is a compile error until every stage handles it.
 */
public sealed interface Op permits Op.Leaf, Op.Elementwise, Op.Anchor, Op.Reduction, Op.Layout, Op.LibraryKernel {

    /** The op's spelling in IR dumps and diagnostics. */
    String mnemonic();

    /** How the op touches memory, which is all fusion looks at; derived from the op's category. */
    OpPattern pattern();

    // ---- categories: each backend switch is exhaustive over exactly the category it handles ----

    /** Inputs, parameters, constants: values given, not computed. */
    sealed interface Leaf extends Op permits Input, Parameter, Constant {
        default OpPattern pattern() { return OpPattern.LEAF; }
    }

    /** One output element from the same element of each operand (after broadcasting): printed as a scalar expression. */
    sealed interface Elementwise extends Op permits Unary, Binary, DropoutMask, TrainSelect, BroadcastTo {
        default OpPattern pattern() { return OpPattern.ELEMWISE; }
    }

    /** Heavy ops whose output can absorb an elementwise epilogue (matmul, convolutions, pooling gradients). */
    sealed interface Anchor extends Op permits MatMul, Conv2d, Conv2dBackwardData, Conv2dBackwardFilter, MaxPoolGrad, AvgPoolGrad,
            MaxPoolGradIndexed {
        default OpPattern pattern() { return OpPattern.OUT_ELEMWISE_FUSABLE; }
    }

    /** Many input elements combine into one output element (sums, softmax rows, pooling windows). */
    sealed interface Reduction extends Op permits MaxPool, MaxPoolArgmax, AvgPool, Reduce, SumTo, Softmax, LogSoftmax, Argmax, LayerNorm, LayerNormGrad,
            Gather.Grad {
        default OpPattern pattern() { return OpPattern.REDUCTION; }
    }

    /** Each output element is one input element at a computed index (reshape, transpose, concat, slice, one_hot). */
    sealed interface Layout extends Op permits Reshape, Transpose, OneHot, Concat, Slice, Gather {
        default OpPattern pattern() { return OpPattern.INJECTIVE; }
    }

    /**
     * The ops each backend runs in its hand-written kernel library (Java: dev.netc.kernels; CUDA: the
     * GEMM template and pooling device functions) rather than from the shared loop lowering.
     */
    sealed interface LibraryKernel extends Op permits MatMul, Conv2d, Conv2dBackwardData, Conv2dBackwardFilter, MaxPool, MaxPoolGrad,
            MaxPoolArgmax {}

    /** The attributes printed after the operands, e.g. "stride=2, padding=1"; empty for none. */
    default String attributes() { return ""; }

    /** Shape rule: the output type for these operand types, or a {@link ShapeError} naming them. */
    TensorType infer(List<TensorType> in) throws ShapeError;

    // ---- leaves: their type is given when they are created ----

    record Input(String name) implements Leaf {
        public String mnemonic() { return "input"; }
        public String attributes() { return "name=" + name; }
        public TensorType infer(List<TensorType> in) { throw new UnsupportedOperationException("leaf"); }
    }

    record Parameter(String name, Init init, boolean trainable) implements Leaf {
        public String mnemonic() { return "param"; }
        public String attributes() { return "name=" + name + ", init=" + init + (trainable ? "" : ", frozen"); }
        public TensorType infer(List<TensorType> in) { throw new UnsupportedOperationException("leaf"); }
    }

    /** A constant filling its node's shape with one value. */
    record Constant(double value) implements Leaf {
        public String mnemonic() { return "const"; }
        public String attributes() { return "value=" + value; }
        public TensorType infer(List<TensorType> in) { throw new UnsupportedOperationException("leaf"); }
    }

    // ---- elementwise ----

    record Unary(UnaryFn fn) implements Elementwise {
        public String mnemonic() { return fn.mnemonic(); }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            Rules.requireFloat(this, in.get(0), "operand");
            return in.get(0);
        }
    }

    record Binary(BinaryFn fn) implements Elementwise {
        public String mnemonic() { return fn.mnemonic(); }
        public OpPattern pattern() { return OpPattern.BROADCAST; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType a = in.get(0), b = in.get(1);
            if (a.dtype() != b.dtype())
                throw new ShapeError(mnemonic() + ": element types differ: " + a + " and " + b);
            Shape s = Broadcast.shape(a.shape(), b.shape());
            if (s == null)
                throw new ShapeError(mnemonic() + ": shapes do not broadcast: " + a.shape() + " and " + b.shape());
            return new TensorType(a.dtype(), s);
        }
    }

    /** Inverted dropout's mask for its operand: 0 with probability rate, else 1/(1-rate); all ones outside training. */
    record DropoutMask(double rate) implements Elementwise {
        public DropoutMask {
            if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("dropout rate must be in [0, 1)");
        }
        public String mnemonic() { return "dropout_mask"; }
        public String attributes() { return "rate=" + rate; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            Rules.requireFloat(this, in.get(0), "operand");
            return in.get(0);
        }
    }

    /**
     * {@code training ? a : b}: the value used while training and the one used at inference (batch
     * norm's batch statistics and moving statistics). Only the training operand receives a gradient.
     */
    record TrainSelect() implements Elementwise {
        public String mnemonic() { return "train_select"; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            Rules.sameFloat(this, in.get(0), in.get(1));
            if (!in.get(0).equals(in.get(1)))
                throw new ShapeError("train_select: operand types differ: " + in.get(0) + " and " + in.get(1));
            return in.get(0);
        }
    }

    // ---- heavy ops that take an elementwise epilogue ----

    /** 2-D matrix product, optionally of transposed operands. */
    record MatMul(boolean transposeA, boolean transposeB) implements Anchor, LibraryKernel {
        public String mnemonic() { return "matmul"; }
        public String attributes() {
            return (transposeA ? "transpose_a" : "") + (transposeA && transposeB ? ", " : "") + (transposeB ? "transpose_b" : "");
        }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType a = in.get(0), b = in.get(1);
            if (a.rank() != 2 || b.rank() != 2)
                throw new ShapeError("matmul: operands must be matrices, got " + a.shape() + " x " + b.shape());
            Rules.sameFloat(this, a, b);
            Dim m = a.shape().dim(transposeA ? 1 : 0), ka = a.shape().dim(transposeA ? 0 : 1);
            Dim kb = b.shape().dim(transposeB ? 1 : 0), n = b.shape().dim(transposeB ? 0 : 1);
            if (!ka.equals(kb))
                throw new ShapeError("matmul: inner dimensions differ: " + a.shape() + (transposeA ? "^T" : "")
                        + " x " + b.shape() + (transposeB ? "^T" : ""));
            return new TensorType(a.dtype(), Shape.of(m, n));
        }
    }

    /** 2-D convolution (cross-correlation), NCHW input, [F, C, KH, KW] weights. */
    record Conv2d(int stride, Padding padding) implements Anchor, LibraryKernel {
        public String mnemonic() { return "conv2d"; }
        public String attributes() { return "stride=" + stride + ", padding=" + padding; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType x = in.get(0), w = in.get(1);
            if (x.rank() != 4) throw new ShapeError("conv2d: input must be [N, C, H, W], got " + x.shape());
            if (w.rank() != 4) throw new ShapeError("conv2d: weights must be [F, C, KH, KW], got " + w.shape());
            Rules.sameFloat(this, x, w);
            if (!x.shape().dim(1).equals(w.shape().dim(1)))
                throw new ShapeError("conv2d: input channels differ: input " + x.shape() + " has " + x.shape().dim(1)
                        + ", weights " + w.shape() + " expect " + w.shape().dim(1));
            int h = Rules.known(this, x.shape(), 2), wd = Rules.known(this, x.shape(), 3);
            int kh = Rules.known(this, w.shape(), 2), kw = Rules.known(this, w.shape(), 3);
            int oh = Padding.outSize(h, kh, stride, padding.top(), padding.bottom());
            int ow = Padding.outSize(wd, kw, stride, padding.left(), padding.right());
            if (oh <= 0 || ow <= 0)
                throw new ShapeError(Padding.windowDoesNotFit("conv2d", kh, kw, h, wd, x.shape(), padding));
            return new TensorType(x.dtype(), Shape.of(x.shape().dim(0), w.shape().dim(0), Dim.of(oh), Dim.of(ow)));
        }
    }

    /** Gradient of conv2d with respect to its input: operands (dy, w); output [N, C, inH, inW]. */
    record Conv2dBackwardData(int stride, Padding padding, int inH, int inW) implements Anchor, LibraryKernel {
        public String mnemonic() { return "conv2d_backward_data"; }
        public String attributes() { return "stride=" + stride + ", padding=" + padding + ", in=" + inH + "x" + inW; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType dy = in.get(0), w = in.get(1);
            return new TensorType(dy.dtype(), Shape.of(dy.shape().dim(0), w.shape().dim(1), Dim.of(inH), Dim.of(inW)));
        }
    }

    /** Gradient of conv2d with respect to its weights: operands (x, dy); output [F, C, kh, kw]. */
    record Conv2dBackwardFilter(int stride, Padding padding, int kh, int kw) implements Anchor, LibraryKernel {
        public String mnemonic() { return "conv2d_backward_filter"; }
        public String attributes() { return "stride=" + stride + ", padding=" + padding + ", kernel=" + kh + "x" + kw; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType x = in.get(0), dy = in.get(1);
            return new TensorType(x.dtype(), Shape.of(dy.shape().dim(1), x.shape().dim(1), Dim.of(kh), Dim.of(kw)));
        }
    }

    // ---- windows and reductions ----

    record MaxPool(int size, int stride, Padding padding) implements Reduction, LibraryKernel {
        public String mnemonic() { return "max_pool"; }
        public String attributes() { return "size=" + size + ", stride=" + stride + ", padding=" + padding; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            if (x.rank() != 4) throw new ShapeError("max_pool: input must be [N, C, H, W], got " + x.shape());
            Rules.requireFloat(this, x, "input");
            int h = Rules.known(this, x.shape(), 2), w = Rules.known(this, x.shape(), 3);
            int oh = Padding.outSize(h, size, stride, padding.top(), padding.bottom());
            int ow = Padding.outSize(w, size, stride, padding.left(), padding.right());
            if (oh <= 0 || ow <= 0) throw new ShapeError(Padding.windowDoesNotFit("max_pool", size, size, h, w, x.shape(), padding));
            return x.withShape(Shape.of(x.shape().dim(0), x.shape().dim(1), Dim.of(oh), Dim.of(ow)));
        }
    }

    /**
     * Gradient of max_pool: operands (x, dy); routes each dy to the first maximum of its window. Its
     * output, once complete, can take an elementwise epilogue (e.g. the ReLU mask of the layer below).
     */
    record MaxPoolGrad(int size, int stride, Padding padding) implements Anchor, LibraryKernel {
        public String mnemonic() { return "max_pool_grad"; }
        public String attributes() { return "size=" + size + ", stride=" + stride + ", padding=" + padding; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            return in.get(0);
        }
    }

    /**
     * Where each max_pool window has its first maximum, as the window position ky * size + kx (u8;
     * ties go to the first position in row-major window order, as max_pool_grad routes them). Introduced
     * after differentiation ({@code PoolingRewrite}) so the pooling gradient needs this, not the full
     * input; its output is an index, so it is not differentiated.
     */
    record MaxPoolArgmax(int size, int stride, Padding padding) implements Reduction, LibraryKernel {
        public String mnemonic() { return "max_pool_argmax"; }
        public String attributes() { return "size=" + size + ", stride=" + stride + ", padding=" + padding; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            if (size * size > 256) throw new ShapeError("max_pool_argmax: a " + size + "x" + size + " window has more positions than u8 holds");
            TensorType pooled = new MaxPool(size, stride, padding).infer(in);
            return new TensorType(DType.U8, pooled.shape());
        }
    }

    /**
     * Gradient of max_pool from the argmax: operands (argmax u8 [N, C, OH, OW], dy [N, C, OH, OW]);
     * output [N, C, OH * size, OW * size] with dy at each window's argmax and 0 elsewhere. Only for
     * windows that tile the input (stride == size, no padding), so every cell has exactly one window.
     */
    record MaxPoolGradIndexed(int size) implements Anchor {
        public String mnemonic() { return "max_pool_grad_indexed"; }
        public String attributes() { return "size=" + size; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType argmax = in.get(0), dy = in.get(1);
            if (argmax.dtype() != DType.U8) throw new ShapeError("max_pool_grad_indexed: argmax must be u8, got " + argmax);
            if (dy.rank() != 4 || !argmax.shape().equals(dy.shape()))
                throw new ShapeError("max_pool_grad_indexed: argmax " + argmax.shape() + " and dy " + dy.shape() + " must be the same [N, C, H, W]");
            Rules.requireFloat(this, dy, "dy");
            Shape s = dy.shape();
            return dy.withShape(Shape.of(s.dim(0), s.dim(1), Dim.of(Rules.known(this, s, 2) * size), Dim.of(Rules.known(this, s, 3) * size)));
        }
    }

    /** Average pooling over NCHW; each window is divided by its number of in-bounds cells (padding excluded). */
    record AvgPool(int size, int stride, Padding padding) implements Reduction {
        public String mnemonic() { return "avg_pool"; }
        public String attributes() { return "size=" + size + ", stride=" + stride + ", padding=" + padding; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            return Rules.pooled(this, in.get(0), size, stride, padding);
        }
    }

    /** Gradient of avg_pool: operand dy; spreads each dy evenly over its window; output [N, C, inH, inW]. */
    record AvgPoolGrad(int size, int stride, Padding padding, int inH, int inW) implements Anchor {
        public String mnemonic() { return "avg_pool_grad"; }
        public String attributes() { return "size=" + size + ", stride=" + stride + ", padding=" + padding + ", in=" + inH + "x" + inW; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType dy = in.get(0);
            if (dy.rank() != 4) throw new ShapeError("avg_pool_grad: dy must be [N, C, H, W], got " + dy.shape());
            return dy.withShape(Shape.of(dy.shape().dim(0), dy.shape().dim(1), Dim.of(inH), Dim.of(inW)));
        }
    }

    record Reduce(ReduceFn fn, List<Integer> axes, boolean keepDims) implements Reduction {
        public Reduce { axes = List.copyOf(axes); }
        public String mnemonic() { return fn.mnemonic(); }
        public String attributes() {
            return "axes=" + axes.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")) + (keepDims ? ", keep_dims" : "");
        }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            Rules.requireFloat(this, x, "operand");
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) {
                if (!axes.contains(i)) out.add(x.shape().dim(i));
                else if (keepDims) out.add(Dim.of(1));
            }
            for (int a : axes)
                if (a < 0 || a >= x.rank()) throw new ShapeError(mnemonic() + ": axis " + a + " out of range for " + x.shape());
            return x.withShape(new Shape(out));
        }
    }

    /** Sums a broadcast value back down to the shape it was broadcast from (the gradient of broadcasting). */
    record SumTo(Shape target) implements Reduction {
        public String mnemonic() { return "sum_to"; }
        public String attributes() { return "shape=" + target; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            if (!Broadcast.broadcastsTo(target, in.get(0).shape()))
                throw new ShapeError("sum_to: " + target + " does not broadcast to " + in.get(0).shape());
            return in.get(0).withShape(target);
        }
    }

    record BroadcastTo(Shape target) implements Elementwise {
        public String mnemonic() { return "broadcast_to"; }
        public OpPattern pattern() { return OpPattern.BROADCAST; }
        public String attributes() { return "shape=" + target; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            if (!Broadcast.broadcastsTo(in.get(0).shape(), target))
                throw new ShapeError("broadcast_to: " + in.get(0).shape() + " does not broadcast to " + target);
            return in.get(0).withShape(target);
        }
    }

    /** Softmax along one axis (numerically stable). */
    record Softmax(int axis) implements Reduction {
        public String mnemonic() { return "softmax"; }
        public String attributes() { return "axis=" + axis; }
        public TensorType infer(List<TensorType> in) throws ShapeError { return Rules.axisOp(this, in, axis); }
    }

    record LogSoftmax(int axis) implements Reduction {
        public String mnemonic() { return "log_softmax"; }
        public String attributes() { return "axis=" + axis; }
        public TensorType infer(List<TensorType> in) throws ShapeError { return Rules.axisOp(this, in, axis); }
    }

    /**
     * Layer normalisation without its affine part: each row along the last axis becomes
     * (x - mean) / sqrt(variance + epsilon) (the biased variance, as Keras and PyTorch use). The layer
     * multiplies by gamma and adds beta as elementwise ops, which fuse after it.
     */
    record LayerNorm(double epsilon) implements Reduction {
        public String mnemonic() { return "layer_norm"; }
        public String attributes() { return "epsilon=" + epsilon; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            Rules.requireFloat(this, x, "operand");
            if (x.rank() < 1) throw new ShapeError("layer_norm: needs at least one axis to normalise, got a scalar");
            Rules.known(this, x.shape(), x.rank() - 1);
            return x;
        }
    }

    /**
     * Gradient of {@link LayerNorm}: operands (x, dy), output dx = rstd (dy - mean(dy) - xhat mean(dy xhat))
     * along the last axis, the statistics recomputed from x.
     */
    record LayerNormGrad(double epsilon) implements Reduction {
        public String mnemonic() { return "layer_norm_grad"; }
        public String attributes() { return "epsilon=" + epsilon; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            Rules.sameFloat(this, in.get(0), in.get(1));
            if (!in.get(0).equals(in.get(1)))
                throw new ShapeError("layer_norm_grad: x and dy differ: " + in.get(0) + " and " + in.get(1));
            return in.get(0);
        }
    }

    /** Index of the largest element along an axis (first on ties); i32, not differentiable. */
    record Argmax(int axis) implements Reduction {
        public String mnemonic() { return "argmax"; }
        public String attributes() { return "axis=" + axis; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            TensorType x = Rules.axisOp(this, in, axis);
            return new TensorType(DType.I32, x.shape().drop(axis));
        }
    }

    // ---- layout ----

    record Reshape(Shape target) implements Layout {
        public String mnemonic() { return "reshape"; }
        public String attributes() { return "shape=" + target; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            if (!in.get(0).shape().volume().equals(target.volume()))
                throw new ShapeError("reshape: cannot reshape " + in.get(0).shape() + " to " + target + " (element counts differ)");
            return in.get(0).withShape(target);
        }
    }

    record Transpose(List<Integer> permutation) implements Layout {
        public Transpose { permutation = List.copyOf(permutation); }
        public String mnemonic() { return "transpose"; }
        public String attributes() { return "perm=" + permutation; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            if (permutation.size() != x.rank() || !permutation.stream().sorted().toList().equals(
                    java.util.stream.IntStream.range(0, x.rank()).boxed().toList()))
                throw new ShapeError("transpose: " + permutation + " is not a permutation of the axes of " + x.shape());
            List<Dim> out = new ArrayList<>();
            for (int p : permutation) out.add(x.shape().dim(p));
            return x.withShape(new Shape(out));
        }
    }

    /** One-hot encoding of i32 class indices: [...] -> f32 [..., depth]. Out-of-range indices give a zero row. */
    record OneHot(int depth) implements Layout {
        public String mnemonic() { return "one_hot"; }
        public String attributes() { return "depth=" + depth; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            if (x.dtype() != DType.I32) throw new ShapeError("one_hot: class indices must be i32, got " + x);
            List<Dim> out = new ArrayList<>(x.shape().dims());
            out.add(Dim.of(depth));
            return new TensorType(DType.F32, new Shape(out));
        }
    }

    /** Joins its operands along one axis; every other dimension must agree, the axis must be known. */
    record Concat(int axis) implements Layout {
        public String mnemonic() { return "concat"; }
        public String attributes() { return "axis=" + axis; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            if (in.isEmpty()) throw new ShapeError("concat: needs at least one operand");
            TensorType first = in.getFirst();
            if (axis < 0 || axis >= first.rank()) throw new ShapeError("concat: axis " + axis + " out of range for " + first.shape());
            int total = 0;
            for (TensorType t : in) {
                if (t.dtype() != first.dtype()) throw new ShapeError("concat: element types differ: " + first + " and " + t);
                if (t.rank() != first.rank() || !t.shape().with(axis, Dim.of(1)).equals(first.shape().with(axis, Dim.of(1))))
                    throw new ShapeError("concat: shapes " + first.shape() + " and " + t.shape() + " differ outside axis " + axis);
                total += Rules.known(this, t.shape(), axis);
            }
            return first.withShape(first.shape().with(axis, Dim.of(total)));
        }
    }

    /** The elements [start, end) along one (known) axis. */
    record Slice(int axis, int start, int end) implements Layout {
        public String mnemonic() { return "slice"; }
        public String attributes() { return "axis=" + axis + ", range=" + start + ":" + end; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 1);
            TensorType x = in.get(0);
            if (axis < 0 || axis >= x.rank()) throw new ShapeError("slice: axis " + axis + " out of range for " + x.shape());
            int size = Rules.known(this, x.shape(), axis);
            if (start < 0 || end > size || start >= end)
                throw new ShapeError("slice: range " + start + ":" + end + " is empty or outside axis " + axis + " of " + x.shape());
            return x.withShape(x.shape().with(axis, Dim.of(end - start)));
        }
    }
}
