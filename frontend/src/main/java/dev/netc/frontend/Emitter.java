package dev.netc.frontend;

import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds one model's graph and its summary rows, turning shape-rule failures into user errors. */
final class Emitter {
    private final GraphBuilder graph = new GraphBuilder();
    private final List<LayerSummary> rows = new ArrayList<>();
    private final Map<String, SourceSpan> parameters = new HashMap<>();
    private final List<Integer> penalties = new ArrayList<>();
    private final Map<Integer, Integer> updates = new LinkedHashMap<>();

    GraphBuilder graph() { return graph; }

    /**
     * The graph, with an {@code update/NAME} output for every moving statistic registered by
     * {@link #movingUpdate} (after the model's outputs and the loss, so those come first), each
     * recorded as its parameter's update ({@link Graph#parameterUpdates()}).
     */
    Graph build() {
        updates.forEach((param, id) -> graph.parameterUpdate(param,
                graph.freshOutputName(Graph.UPDATE_PREFIX + ((Op.Parameter) graph.node(param).op()).name()), id));
        return graph.build();
    }

    /** Registers a weight penalty (a scalar) that a train block adds to its loss. */
    void penalty(Value.Tensor scalar) { penalties.add(scalar.id()); }

    /** The penalties registered so far, in order. */
    List<Integer> penalties() { return List.copyOf(penalties); }

    /** Registers the value a non-trainable parameter takes after each training step. */
    void movingUpdate(Value.Tensor parameter, Value.Tensor newValue) { updates.put(parameter.id(), newValue.id()); }

    List<LayerSummary> rows() { return rows; }

    TensorType type(int id) { return graph.type(id); }

    Value.Tensor add(Op op, String name, SourceSpan span, int... inputs) {
        try {
            int id = graph.add(op, name, inputs);
            return new Value.Tensor(id, graph.type(id));
        } catch (ShapeError e) {
            throw new UserError(span, e.getMessage());
        }
    }

    Value.Tensor add(Op op, String name, SourceSpan span, Value.Tensor... inputs) {
        int[] ids = new int[inputs.length];
        for (int i = 0; i < ids.length; i++) ids[i] = inputs[i].id();
        return add(op, name, span, ids);
    }

    /** A scalar constant of the given element type's dtype, for mixing numbers into tensor arithmetic. */
    Value.Tensor scalar(double value, TensorType like) {
        int id = graph.constant(value, new TensorType(like.dtype(), Shape.SCALAR));
        return new Value.Tensor(id, graph.type(id));
    }

    Value.Tensor input(String name, TensorType type) {
        int id = graph.input(name, type);
        return new Value.Tensor(id, type);
    }

    /** A parameter with a unique name; records nothing in the summary (callers do). */
    Value.Tensor parameter(String name, TensorType type, Init init, boolean trainable, SourceSpan span) {
        SourceSpan first = parameters.putIfAbsent(name, span);
        if (first != null)
            throw new UserError(span, "parameter '" + name + "' is already defined", List.of("first defined at " + Spans.at(first)));
        if (!type.dtype().isFloat()) throw new UserError(span, "parameter '" + name + "' must have a float type, got " + type);
        if (!type.shape().isFullyKnown())
            throw new UserError(span, "parameter '" + name + "' must have a shape known at compile time, got " + type.shape(),
                    List.of("parameters cannot depend on the batch size"));
        Initializers.checkFits(init, "parameter '" + name + "'", type.shape(), span);
        int id = graph.parameter(name, type, init, trainable);
        return new Value.Tensor(id, type);
    }

    void row(String name, String kind, Shape shape, long trainable, long frozen) {
        rows.add(new LayerSummary(name, kind, shape, trainable, frozen));
    }

    static long count(Shape s) { return s.volume().known(); }
}
