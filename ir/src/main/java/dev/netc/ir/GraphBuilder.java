package dev.netc.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends nodes in topological order, running each op's shape rule as the node is added. A builder
 * can start from an existing graph (autodiff appends the backward pass to the forward graph).
 */
public final class GraphBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> outputs = new LinkedHashMap<>();

    public GraphBuilder() {}

    public GraphBuilder(Graph start) {
        nodes.addAll(start.nodes());
        outputs.putAll(start.outputs());
    }

    public int input(String name, TensorType type) { return leaf(new Op.Input(name), type, name); }

    public int parameter(String name, TensorType type, Init init, boolean trainable) {
        return leaf(new Op.Parameter(name, init, trainable), type, name);
    }

    public int constant(double value, TensorType type) { return leaf(new Op.Constant(value), type, null); }

    public int leaf(Op op, TensorType type, String name) {
        if (op.pattern() != OpPattern.LEAF) throw new IllegalArgumentException(op.mnemonic() + " is not a leaf");
        nodes.add(new Node(nodes.size(), op, List.of(), type, name));
        return nodes.size() - 1;
    }

    /** Adds a node after checking its shape rule. */
    public int add(Op op, String name, int... inputs) throws ShapeError {
        List<TensorType> types = Arrays.stream(inputs).mapToObj(i -> nodes.get(i).type()).toList();
        TensorType t = op.infer(types);
        nodes.add(new Node(nodes.size(), op, Arrays.stream(inputs).boxed().toList(), t, name));
        return nodes.size() - 1;
    }

    /** Adds a node whose shape rule the caller guarantees holds (compiler-internal graphs); a failure is a bug. */
    public int addChecked(Op op, int... inputs) {
        try {
            return add(op, null, inputs);
        } catch (ShapeError e) {
            throw new IllegalStateException("internal shape error: " + e.getMessage(), e);
        }
    }

    public TensorType type(int id) { return nodes.get(id).type(); }

    public Node node(int id) { return nodes.get(id); }

    public int size() { return nodes.size(); }

    public void output(String name, int id) { outputs.put(name, id); }

    public Graph build() { return new Graph(nodes, outputs); }
}
