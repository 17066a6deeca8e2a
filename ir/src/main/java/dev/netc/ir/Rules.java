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
}
