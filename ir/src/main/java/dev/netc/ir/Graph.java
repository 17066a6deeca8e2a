package dev.netc.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable, topologically ordered dataflow graph: node {@code i} has id {@code i} and only reads
 * nodes with smaller ids. Named outputs mark the values someone asked for ("logits", "loss",
 * "grad/conv1/kernel", ...). Build one with {@link GraphBuilder}.
 *
 * <p>What an output <em>is</em> is recorded structurally, never read from its name: the gradient
 * of each trainable parameter ({@link #gradients()}, set by autodiff; a hand-built graph may also
 * mark the gradient of an input) and the new value of each
 * non-trainable parameter after a training step ({@link #parameterUpdates()}, batch norm's moving
 * statistics, set by the frontend). The names "grad/NAME" and "update/NAME" are only the
 * conventional names under which callers read those buffers.
 *
 * @param nodes           the nodes, node {@code i} at index {@code i}
 * @param outputs         output name -> node id, in declaration order
 * @param gradientOutputs leaf node id (a trainable parameter; or an input) -> the name of the output holding
 *                        its gradient
 * @param updateOutputs   non-trainable parameter node id -> the name of the output holding its value
 *                        after a training step
 */
public record Graph(List<Node> nodes, Map<String, Integer> outputs, Map<Integer, String> gradientOutputs,
                    Map<Integer, String> updateOutputs) {

    public static final String LOSS = "loss";
    /** The conventional name prefix of gradient outputs ("grad/dense/kernel"); a name, not a role. */
    public static final String GRAD_PREFIX = "grad/";
    /**
     * The conventional name prefix of parameter-update outputs ("update/bn/moving_mean"): batch norm's
     * moving statistics. A training backend copies each into its parameter once per step; inference
     * ignores them. A name, not a role: see {@link #parameterUpdates()}.
     */
    public static final String UPDATE_PREFIX = "update/";

    /** What a named output is, from the graph's structured roles. */
    public enum OutputRole {
        /** The {@link #LOSS} output. */ LOSS,
        /** The gradient of a trainable parameter. */ GRADIENT,
        /** A non-trainable parameter's value after a training step. */ PARAMETER_UPDATE,
        /** Anything else: what the model computes (logits, predictions). */ MODEL
    }

    public Graph {
        nodes = List.copyOf(nodes);
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        gradientOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(gradientOutputs));
        updateOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(updateOutputs));
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.id() != i) throw new IllegalArgumentException("node " + i + " has id " + n.id());
            for (int in : n.inputs())
                if (in < 0 || in >= i) throw new IllegalArgumentException("node " + i + " reads " + in + ": not topologically ordered");
        }
        for (var e : outputs.entrySet())
            if (e.getValue() < 0 || e.getValue() >= nodes.size()) throw new IllegalArgumentException("output " + e.getKey() + " out of range");
        checkRoles(nodes, outputs, gradientOutputs, true);
        checkRoles(nodes, outputs, updateOutputs, false);
        java.util.Set<String> updateNames = new java.util.HashSet<>(updateOutputs.values());
        for (String name : gradientOutputs.values())
            if (updateNames.contains(name)) throw new IllegalArgumentException("output " + name + " is both a gradient and an update");
    }

    /** A graph whose outputs have no gradient or update roles (a forward graph without batch norm, a test graph). */
    public Graph(List<Node> nodes, Map<String, Integer> outputs) {
        this(nodes, outputs, Map.of(), Map.of());
    }

    /** Gradients belong to trainable parameters (or inputs), updates to non-trainable parameters; types match. */
    private static void checkRoles(List<Node> nodes, Map<String, Integer> outputs, Map<Integer, String> roles, boolean gradients) {
        String what = gradients ? "gradient" : "update";
        for (var e : roles.entrySet()) {
            int param = e.getKey();
            Op op = param < 0 || param >= nodes.size() ? null : nodes.get(param).op();
            boolean fits = gradients ? op instanceof Op.Input || op instanceof Op.Parameter p && p.trainable()
                    : op instanceof Op.Parameter p && !p.trainable();
            if (!fits)
                throw new IllegalArgumentException(what + " output " + e.getValue() + " belongs to node " + param
                        + ", which is no " + (gradients ? "trainable parameter or input" : "non-trainable parameter"));
            Integer node = outputs.get(e.getValue());
            if (node == null) throw new IllegalArgumentException(what + " output " + e.getValue() + " is not an output of the graph");
            if (!nodes.get(node).type().equals(nodes.get(param).type()))
                throw new IllegalArgumentException(what + " output " + e.getValue() + " has type " + nodes.get(node).type()
                        + " but parameter " + nodes.get(param).label() + " has " + nodes.get(param).type());
        }
    }

    /** Trainable parameter (or input) node id -> node id of its gradient, in parameter order (set by autodiff). */
    public Map<Integer, Integer> gradients() { return resolve(gradientOutputs); }

    /** Non-trainable parameter node id -> node id of its value after a training step (batch norm's moving statistics). */
    public Map<Integer, Integer> parameterUpdates() { return resolve(updateOutputs); }

    private Map<Integer, Integer> resolve(Map<Integer, String> roles) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        roles.forEach((param, name) -> out.put(param, outputs.get(name)));
        return Collections.unmodifiableMap(out);
    }

    /** The node id of the gradient of trainable parameter node {@code parameter}, if the graph has one. */
    public Optional<Integer> gradientOf(int parameter) {
        return Optional.ofNullable(gradientOutputs.get(parameter)).map(outputs::get);
    }

    /** The name of the output holding parameter node {@code parameter}'s gradient ("grad/dense/kernel"), if any. */
    public Optional<String> gradientOutput(int parameter) { return Optional.ofNullable(gradientOutputs.get(parameter)); }

    /** What output {@code name} is; an unknown name is an error. For every output at once, use {@link #roles()}. */
    public OutputRole role(String name) {
        if (!outputs.containsKey(name)) throw new IllegalArgumentException("no output named '" + name + "'");
        if (gradientOutputs.containsValue(name)) return OutputRole.GRADIENT;
        if (updateOutputs.containsValue(name)) return OutputRole.PARAMETER_UPDATE;
        if (name.equals(LOSS)) return OutputRole.LOSS;
        return OutputRole.MODEL;
    }

    /** Every output's role ({@link #role}), in output order, in time linear in the number of outputs. */
    public Map<String, OutputRole> roles() {
        Map<String, OutputRole> out = new LinkedHashMap<>();
        for (String name : outputs.keySet()) out.put(name, name.equals(LOSS) ? OutputRole.LOSS : OutputRole.MODEL);
        for (String name : updateOutputs.values()) out.put(name, OutputRole.PARAMETER_UPDATE);
        for (String name : gradientOutputs.values()) out.put(name, OutputRole.GRADIENT);
        return Collections.unmodifiableMap(out);
    }

    public Node node(int id) { return nodes.get(id); }

    public int size() { return nodes.size(); }

    public Optional<Integer> output(String name) { return Optional.ofNullable(outputs.get(name)); }

    public List<Node> inputs() { return nodes.stream().filter(n -> n.op() instanceof Op.Input).toList(); }

    public List<Node> parameters() { return nodes.stream().filter(n -> n.op() instanceof Op.Parameter).toList(); }

    public List<Node> trainableParameters() {
        return nodes.stream().filter(n -> n.op() instanceof Op.Parameter p && p.trainable()).toList();
    }

    public Optional<Node> inputNamed(String name) {
        return nodes.stream().filter(n -> n.op() instanceof Op.Input in && in.name().equals(name)).findFirst();
    }

    public Optional<Node> parameterNamed(String name) {
        return nodes.stream().filter(n -> n.op() instanceof Op.Parameter p && p.name().equals(name)).findFirst();
    }

    /** For each node, the ids of the nodes that read it (in id order). */
    public List<List<Integer>> users() {
        List<List<Integer>> users = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) users.add(new ArrayList<>());
        for (Node n : nodes) {
            for (int in : n.inputs()) {
                List<Integer> u = users.get(in);
                // readers arrive in id order, so a node reading a value twice is its last reader so far
                if (u.isEmpty() || u.getLast() != n.id()) u.add(n.id());
            }
        }
        return users;
    }

    /** Ids of the nodes the given roots depend on (roots included), as a boolean mask by id. */
    public boolean[] ancestors(Iterable<Integer> roots) {
        boolean[] live = new boolean[nodes.size()];
        List<Integer> stack = new ArrayList<>();
        roots.forEach(stack::add);
        while (!stack.isEmpty()) {
            int id = stack.removeLast();
            if (live[id]) continue;
            live[id] = true;
            stack.addAll(nodes.get(id).inputs());
        }
        return live;
    }

    /** A copy with one more named output. */
    public Graph withOutput(String name, int id) {
        Map<String, Integer> out = new LinkedHashMap<>(outputs);
        out.put(name, id);
        return new Graph(nodes, out, gradientOutputs, updateOutputs);
    }

    @Override public String toString() { return IrPrinter.print(this); }
}
