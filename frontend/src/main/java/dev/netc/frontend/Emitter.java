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
    /** Inputs and parameters by name: one namespace, the buffer names of the compiled model (see {@link ReservedNames}). */
    private final Map<String, Declared> declared = new HashMap<>();
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
            TensorSizes.check(name != null ? "'" + name + "' (" + op.mnemonic() + ")" : "the result of " + op.mnemonic(),
                    graph.type(id).shape(), span);
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

    /** A model or train-block input, whose name no other input or parameter has. */
    Value.Tensor input(String name, TensorType type, SourceSpan span) {
        declare("input", name, span);
        TensorSizes.check("input '" + name + "'", type.shape(), span);
        int id = graph.input(name, type);
        return new Value.Tensor(id, type);
    }

    /** A parameter with a unique name; records nothing in the summary (callers do). */
    Value.Tensor parameter(String name, TensorType type, Init init, boolean trainable, SourceSpan span) {
        declare("parameter", name, span);
        if (!type.dtype().isFloat()) throw new UserError(span, "parameter '" + name + "' must have a float type, got " + type);
        if (!type.shape().isFullyKnown())
            throw new UserError(span, "parameter '" + name + "' must have a shape known at compile time, got " + type.shape(),
                    List.of("parameters cannot depend on the batch size"));
        TensorSizes.check("parameter '" + name + "'", type.shape(), span);
        InitializerSyntax.checkFits(init, "parameter '" + name + "'", type.shape(), span);
        int id = graph.parameter(name, type, init, trainable);
        return new Value.Tensor(id, type);
    }

    private record Declared(String kind, SourceSpan span) {}

    /** Claims a buffer name for an input or parameter: reserved names and names already taken are errors. */
    private void declare(String kind, String name, SourceSpan span) {
        ReservedNames.forTensor(kind, name).ifPresent(problem -> { throw new UserError(span, problem, List.of("rename it")); });
        Declared first = declared.get(name);
        if (first == null) {
            declared.put(name, new Declared(kind, span));
            return;
        }
        String message = first.kind().equals(kind) ? kind + " '" + name + "' is already defined"
                : kind + " '" + name + "' has the same name as " + first.kind() + " '" + name + "'";
        throw new UserError(span, message, List.of("first defined at " + Spans.at(first.span()),
                "inputs and parameters share one namespace (they are the compiled model's named buffers); rename one of them"));
    }

    void row(String name, String kind, Shape shape, long trainable, long frozen) {
        rows.add(new LayerSummary(name, kind, shape, trainable, frozen));
    }

    static long count(Shape s) { return s.volume().known(); }
}
