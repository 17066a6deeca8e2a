package dev.netc.ir;

/** Graphviz DOT rendering of a graph: leaves as boxes, parameters shaded, outputs double-circled. */
public final class DotPrinter {
    private DotPrinter() {}

    public static String print(Graph g, String title) {
        StringBuilder sb = new StringBuilder("digraph \"" + escape(title) + "\" {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
        java.util.Set<Integer> outputs = new java.util.HashSet<>(g.outputs().values());
        for (Node n : g.nodes()) {
            String shape = switch (n.op()) {
                case Op.Parameter p -> "box, style=filled, fillcolor=\"#e8e8ff\"";
                case Op.Input in -> "box, style=filled, fillcolor=\"#e8ffe8\"";
                case Op.Constant c -> "box";
                default -> outputs.contains(n.id()) ? "doubleoctagon" : "ellipse";
            };
            String label = n.label() + "\\n" + n.op().mnemonic()
                    + (n.op().attributes().isEmpty() ? "" : "(" + n.op().attributes() + ")") + "\\n" + n.type();
            sb.append("  n").append(n.id()).append(" [shape=").append(shape).append(", label=\"").append(escape(label)).append("\"];\n");
        }
        for (Node n : g.nodes())
            for (int in : n.inputs()) sb.append("  n").append(in).append(" -> n").append(n.id()).append(";\n");
        for (var e : g.outputs().entrySet()) {
            sb.append("  out_").append(e.getKey().replaceAll("[^A-Za-z0-9_]", "_")).append(" [shape=plaintext, label=\"")
              .append(escape(e.getKey())).append("\"];\n");
            sb.append("  n").append(e.getValue()).append(" -> out_").append(e.getKey().replaceAll("[^A-Za-z0-9_]", "_"))
              .append(" [style=dashed];\n");
        }
        return sb.append("}\n").toString();
    }

    private static String escape(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }
}
