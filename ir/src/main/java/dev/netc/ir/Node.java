package dev.netc.ir;

import java.util.List;

/**
 * One value of the graph: the op that computes it, its operands (ids of earlier nodes), its type,
 * and the user-facing name it came from (a parameter name, a variable name, or null).
 */
public record Node(int id, Op op, List<Integer> inputs, TensorType type, String name) {
    public Node {
        inputs = List.copyOf(inputs);
    }

    public int input(int i) { return inputs.get(i); }

    public boolean isLeaf() { return op.pattern() == OpPattern.LEAF; }

    /** "%12" or "%12:conv1/kernel". */
    public String label() { return "%" + id + (name == null ? "" : ":" + name); }
}
