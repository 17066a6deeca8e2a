package dev.netc.compiler;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the runtime reaches a graph output's buffer in a compiled model. A generated model answers
 * {@code floatBuffer(name)} from one namespace in which inputs and parameters come first, so an output
 * that reuses the name of an input or parameter it rebinds ({@code x = dense(x, 2); output x}) would
 * read the input. The backends therefore also expose every such output as {@code output:NAME}
 * ({@link #expose}), and the runtime reads an output by the name {@link #bufferName} gives, which
 * always reaches the output's own node. No user name contains ':', so the alias is never taken.
 */
public final class OutputBuffers {
    /** Prefix of the alias under which a shadowed output is exposed. */
    public static final String ALIAS_PREFIX = "output:";

    private OutputBuffers() {}

    /**
     * The model's own outputs ({@link Graph.OutputRole#MODEL}), in order: name and node. An alias
     * {@link #expose} added names a node already listed, so each node appears once, under its first name.
     */
    public static List<Map.Entry<String, Integer>> modelOutputs(Graph graph) {
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        Map<String, Graph.OutputRole> roles = graph.roles();
        for (var e : graph.outputs().entrySet())
            if (roles.get(e.getKey()) == Graph.OutputRole.MODEL && seen.add(e.getValue())) out.add(Map.entry(e.getKey(), e.getValue()));
        return out;
    }

    /** The name under which a compiled model's buffer holds output {@code name} of {@code graph}. */
    public static String bufferName(Graph graph, String name) {
        int id = graph.output(name).orElseThrow(() -> new IllegalArgumentException("no output named '" + name + "'"));
        return shadowed(leafNodes(graph), name, id) ? ALIAS_PREFIX + name : name;
    }

    /** The graph with an {@code output:NAME} alias for each output whose name an input or parameter (another node) has. */
    public static Graph expose(Graph graph) {
        Map<String, List<Integer>> leaves = leafNodes(graph);
        Map<String, Integer> aliases = new java.util.LinkedHashMap<>();
        for (var e : graph.outputs().entrySet())
            if (shadowed(leaves, e.getKey(), e.getValue()) && !graph.outputs().containsKey(ALIAS_PREFIX + e.getKey()))
                aliases.putIfAbsent(ALIAS_PREFIX + e.getKey(), e.getValue());
        if (aliases.isEmpty()) return graph;
        Map<String, Integer> outputs = new java.util.LinkedHashMap<>(graph.outputs());
        outputs.putAll(aliases);
        return new Graph(graph.nodes(), outputs, graph.gradientOutputs(), graph.updateOutputs());
    }

    /** Input and parameter names -> the nodes carrying them (one pass over the graph). */
    private static Map<String, List<Integer>> leafNodes(Graph graph) {
        Map<String, List<Integer>> leaves = new java.util.HashMap<>();
        for (Node n : graph.nodes()) {
            String leaf = switch (n.op()) {
                case Op.Input in -> in.name();
                case Op.Parameter p -> p.name();
                default -> null;
            };
            if (leaf != null) leaves.computeIfAbsent(leaf, k -> new ArrayList<>()).add(n.id());
        }
        return leaves;
    }

    private static boolean shadowed(Map<String, List<Integer>> leaves, String name, int id) {
        for (int node : leaves.getOrDefault(name, List.of())) if (node != id) return true;
        return false;
    }
}
