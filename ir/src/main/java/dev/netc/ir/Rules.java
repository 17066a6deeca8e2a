package dev.netc.ir;

import java.util.List;

/** Checks shared by the shape rules of {@link Op}. */
final class Rules {
    private Rules() {}

    static void arity(Op op, List<TensorType> in, int n) throws ShapeError {
        if (in.size() != n) throw new ShapeError(op.mnemonic() + ": expects " + n + " operand(s), got " + in.size());
    }

    static void requireFloat(Op op, TensorType t, String what) throws ShapeError {
        if (!t.dtype().isFloat()) throw new ShapeError(op.mnemonic() + ": " + what + " must be a float tensor, got " + t);
    }

    static void sameFloat(Op op, TensorType a, TensorType b) throws ShapeError {
        requireFloat(op, a, "first operand");
        if (a.dtype() != b.dtype()) throw new ShapeError(op.mnemonic() + ": element types differ: " + a + " and " + b);
    }

    static int known(Op op, Shape s, int axis) throws ShapeError {
        if (!(s.dim(axis) instanceof Dim.Known k))
            throw new ShapeError(op.mnemonic() + ": dimension " + axis + " of " + s + " must be known at compile time");
        return k.size();
    }

    static TensorType axisOp(Op op, List<TensorType> in, int axis) throws ShapeError {
        arity(op, in, 1);
        TensorType x = in.get(0);
        requireFloat(op, x, "operand");
        if (axis < 0 || axis >= x.rank()) throw new ShapeError(op.mnemonic() + ": axis " + axis + " out of range for " + x.shape());
        return x;
    }

    /** The output type of a square pooling window over an NCHW input. */
    static TensorType pooled(Op op, TensorType x, int size, int stride, Padding padding) throws ShapeError {
        if (x.rank() != 4) throw new ShapeError(op.mnemonic() + ": input must be [N, C, H, W], got " + x.shape());
        requireFloat(op, x, "input");
        int h = known(op, x.shape(), 2), w = known(op, x.shape(), 3);
        int oh = Padding.outSize(h, size, stride, padding.top(), padding.bottom());
        int ow = Padding.outSize(w, size, stride, padding.left(), padding.right());
        if (oh <= 0 || ow <= 0) throw new ShapeError(Padding.windowDoesNotFit(op.mnemonic(), size, size, h, w, x.shape(), padding));
        return x.withShape(Shape.of(x.shape().dim(0), x.shape().dim(1), Dim.of(oh), Dim.of(ow)));
    }
}
