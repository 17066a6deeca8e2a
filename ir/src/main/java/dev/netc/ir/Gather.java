package dev.netc.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of a table picked by i32 ids (an embedding lookup): operands (table [V, D], ids [...]),
 * output [..., D]; element (p, d) is table[ids[p], d], and an id outside 0..V-1 gives a zero row
 * (as one_hot gives a zero row). Its gradient for the table is {@link Gather.Grad}.
 */
public record Gather() implements Op.Layout {
    public String mnemonic() { return "gather"; }
    public TensorType infer(List<TensorType> in) throws ShapeError {
        Rules.arity(this, in, 2);
        TensorType table = in.get(0), ids = in.get(1);
        if (table.rank() != 2 || !table.shape().isFullyKnown())
            throw new ShapeError("gather: the table must be a matrix [rows, features] of known size, got " + table.shape());
        Rules.requireFloat(this, table, "table");
        if (ids.dtype() != DType.I32) throw new ShapeError("gather: ids must be i32, got " + ids);
        List<Dim> out = new ArrayList<>(ids.shape().dims());
        out.add(table.shape().dim(1));
        return table.withShape(new Shape(out));
    }

    /**
     * The gradient of a gather for its table: operands (ids [...], dy [..., D]), output [rows, D],
     * where row v sums dy over the positions whose id is v (a scatter-add; ids out of range add nothing).
     */
    public record Grad(int rows) implements Op.Reduction {
        public String mnemonic() { return "gather_grad"; }
        public String attributes() { return "rows=" + rows; }
        public TensorType infer(List<TensorType> in) throws ShapeError {
            Rules.arity(this, in, 2);
            TensorType ids = in.get(0), dy = in.get(1);
            if (ids.dtype() != DType.I32) throw new ShapeError("gather_grad: ids must be i32, got " + ids);
            Rules.requireFloat(this, dy, "dy");
            if (dy.rank() != ids.rank() + 1 || !dy.shape().dims().subList(0, ids.rank()).equals(ids.shape().dims())
                    || !dy.shape().dim(-1).isKnown())
                throw new ShapeError("gather_grad: dy " + dy.shape() + " is not ids " + ids.shape() + " plus a known feature axis");
            return dy.withShape(Shape.of(Dim.of(rows), dy.shape().dim(-1)));
        }
    }
}
