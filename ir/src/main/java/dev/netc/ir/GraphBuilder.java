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
    private final Map<Integer, String> gradientOutputs = new LinkedHashMap<>();
    private final Map<Integer, String> updateOutputs = new LinkedHashMap<>();

    public GraphBuilder() {}

    /** Starts from a graph: its nodes, outputs and output roles. */
    public GraphBuilder(Graph start) {
        nodes.addAll(start.nodes());
        outputs.putAll(start.outputs());
        gradientOutputs.putAll(start.gradientOutputs());
        updateOutputs.putAll(start.updateOutputs());
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

    /**
     * {@code name} when no output, input or parameter is called that yet, else {@code name#2},
     * {@code name#3}, ...: an output name that hides no other buffer of the model (a parameter the
     * user named "grad/kernel" next to the gradient of parameter "kernel").
     */
    public String freshOutputName(String name) {
        // input and parameter names, collected once: autodiff asks once per parameter
        for (; leafNamesSeen < nodes.size(); leafNamesSeen++) {
            Node n = nodes.get(leafNamesSeen);
            if (n.op() instanceof Op.Input in) leafNames.add(in.name());
            if (n.op() instanceof Op.Parameter p) leafNames.add(p.name());
        }
        String candidate = name;
        for (int k = 2; outputs.containsKey(candidate) || leafNames.contains(candidate); k++) candidate = name + "#" + k;
        return candidate;
    }

    private final java.util.Set<String> leafNames = new java.util.HashSet<>();
    private int leafNamesSeen;

    /**
     * Records node {@code id} as the gradient of trainable parameter node {@code parameter} (or of an
     * input), readable as output {@code name} (see {@link Graph#gradients()}).
     */
    public void gradient(int parameter, String name, int id) {
        claim(name, id);
        gradientOutputs.put(parameter, name);
    }

    /**
     * Records node {@code id} as the value non-trainable parameter node {@code parameter} takes after
     * each training step, readable as output {@code name} (see {@link Graph#parameterUpdates()}).
     */
    public void parameterUpdate(int parameter, String name, int id) {
        claim(name, id);
        updateOutputs.put(parameter, name);
    }

    private void claim(String name, int id) {
        Integer old = outputs.putIfAbsent(name, id);
        if (old != null && old != id) throw new IllegalArgumentException("output name '" + name + "' is already taken");
    }

    public Graph build() { return new Graph(nodes, outputs, gradientOutputs, updateOutputs); }
}
