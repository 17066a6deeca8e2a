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
 */
public record Graph(List<Node> nodes, Map<String, Integer> outputs) {

    public static final String LOSS = "loss";
    public static final String GRAD_PREFIX = "grad/";
    /**
     * Prefix of the outputs that hold a non-trainable parameter's new value after a training step
     * ("update/bn/moving_mean"): batch norm's moving statistics. A training backend copies each into
     * its parameter once per step; inference ignores them.
     */
    public static final String UPDATE_PREFIX = "update/";

    public Graph {
        nodes = List.copyOf(nodes);
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.id() != i) throw new IllegalArgumentException("node " + i + " has id " + n.id());
            for (int in : n.inputs())
                if (in < 0 || in >= i) throw new IllegalArgumentException("node " + i + " reads " + in + ": not topologically ordered");
        }
        for (var e : outputs.entrySet())
            if (e.getValue() < 0 || e.getValue() >= nodes.size()) throw new IllegalArgumentException("output " + e.getKey() + " out of range");
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
        for (Node n : nodes) for (int in : n.inputs()) if (!users.get(in).contains(n.id())) users.get(in).add(n.id());
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
        return new Graph(nodes, out);
    }

    @Override public String toString() { return IrPrinter.print(this); }
}
