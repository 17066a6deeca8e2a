package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import java.util.ArrayList;
import java.util.List;

/**
 * avg_pool, concat and add (layers with a summary row, like Keras' AveragePooling2D, Concatenate and
 * Add) and slice (an op).
 */
final class LayoutLayers {
    private LayoutLayers() {}

    static Value avgPool(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        int size = a.positiveInt("size", 2);
        int stride = a.positiveInt("stride", size);
        Padding padding = Builtins.padding(a, x.type().shape(), Dim.of(size), Dim.of(size), stride, false);
        String layer = Layers.layerName(f, a, "average_pooling2d");
        Value.Tensor out = e.add(new Op.AvgPool(size, stride, padding), name, a.span(), x);
        e.row(layer, "AveragePooling2D", out.type().shape(), 0, 0);
        return out;
    }

    /** concat([a, b, ...], axis=-1). */
    static Value concat(Emitter e, Frame f, Args a, String name) {
        Value v = a.value("values");
        List<Value> items = v instanceof Value.ListV l ? l.items() : List.of(v);
        List<Value.Tensor> parts = new ArrayList<>();
        for (Value item : items) {
            if (item instanceof Value.Poison) throw Poisoned.INSTANCE;
            if (!(item instanceof Value.Tensor t))
                throw a.error("values", "expected a list of tensors such as [a, b], got " + Value.describe(item));
            parts.add(t);
        }
        if (parts.isEmpty()) throw a.error("values", "needs at least one tensor");
        int axis = Builtins.axis(a, "axis", parts.getFirst().type().shape(), -1);
        String layer = Layers.layerName(f, a, "concatenate");
        Value.Tensor out = e.add(new Op.Concat(axis), name, a.span(), parts.toArray(Value.Tensor[]::new));
        e.row(layer, "Concatenate", out.type().shape(), 0, 0);
        return out;
    }

    /** add(a, b): the elementwise sum of two branches (a residual connection), as a layer row. */
    static Value add(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("a"), y = a.tensor("b");
        String layer = Layers.layerName(f, a, "add");
        Value.Tensor out = e.add(new Op.Binary(BinaryFn.ADD), name, a.span(), x, y);
        e.row(layer, "Add", out.type().shape(), 0, 0);
        return out;
    }

    /** slice(x, axis, start=0, end=size): the elements [start, end) along axis; negative bounds count from the end. */
    static Value slice(Emitter e, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        int axis = Builtins.axis(a, "axis", x.type().shape(), 0);
        if (!(x.type().shape().dim(axis) instanceof Dim.Known k))
            throw a.error("axis", "cannot slice the symbolic dimension " + axis + " of " + x.type().shape());
        int start = a.integer("start", 0), end = a.integer("end", k.size());
        if (start < 0) start += k.size();
        if (end < 0) end += k.size();
        return e.add(new Op.Slice(axis, start, end), name, a.span(), x);
    }
}
