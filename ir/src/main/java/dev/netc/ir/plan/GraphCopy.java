package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.Arrays;

/**
 * A copy of a graph in node order in which a rewrite replaces some nodes by new ones: every node
 * reads the copies of its operands, and outputs and their roles follow their nodes.
 */
final class GraphCopy {
    private final Graph from;
    private final GraphBuilder to = new GraphBuilder();
    private final int[] at;

    GraphCopy(Graph from) {
        this.from = from;
        this.at = new int[from.size()];
        Arrays.fill(at, -1);
    }

    /** The id in the copy of node {@code old} of the original. */
    int at(int old) {
        if (at[old] < 0) throw new IllegalStateException("node %" + old + " is not copied yet");
        return at[old];
    }

    /** Copies n as it is, reading the copies of its operands. */
    void copy(Node n) {
        if (n.isLeaf()) {
            at[n.id()] = to.leaf(n.op(), n.type(), n.name());
            return;
        }
        int[] inputs = n.inputs().stream().mapToInt(this::at).toArray();
        try {
            at[n.id()] = to.add(n.op(), n.name(), inputs);
        } catch (dev.netc.ir.ShapeError e) {
            throw new IllegalStateException("copy of " + n.label() + ": " + e.getMessage(), e);
        }
    }

    /** Records that node {@code old} of the original is {@code id} of the copy. */
    void map(int old, int id) { at[old] = id; }

    /** A new constant leaf of the copy. */
    int constant(double value, dev.netc.ir.TensorType type) { return to.constant(value, type); }

    /** The shape of node id of the copy. */
    dev.netc.ir.Shape shape(int id) { return to.type(id).shape(); }

    /** A new node of the copy (ids of the copy). */
    int add(Op op, int... inputs) { return to.addChecked(op, inputs); }

    /** The node of the copy computing op of exactly these inputs, or a new one. */
    int findOrAdd(Op op, int... inputs) {
        for (int id = 0; id < to.size(); id++) {
            Node n = to.node(id);
            if (n.op().equals(op) && n.inputs().equals(Arrays.stream(inputs).boxed().toList())) return id;
        }
        return add(op, inputs);
    }

    /** The copy, with the original's outputs and roles. */
    Graph build() {
        for (var e : from.outputs().entrySet()) to.output(e.getKey(), at(e.getValue()));
        for (var e : from.gradientOutputs().entrySet()) to.gradient(at(e.getKey()), e.getValue(), at(from.outputs().get(e.getValue())));
        for (var e : from.updateOutputs().entrySet()) to.parameterUpdate(at(e.getKey()), e.getValue(), at(from.outputs().get(e.getValue())));
        return to.build();
    }

    /** g without the computed nodes no output depends on (leaves stay: they are the model's inputs and parameters). */
    static Graph live(Graph g) {
        boolean[] needed = g.ancestors(g.outputs().values());
        GraphCopy copy = new GraphCopy(g);
        for (Node n : g.nodes()) if (n.isLeaf() || needed[n.id()]) copy.copy(n);
        return copy.build();
    }
}
