package dev.netc.ir;

import java.util.Map;
import java.util.stream.Collectors;

/** The textual form of a graph, one node a line: {@code %7:h1 = relu(%6) : f32[B, 1024]}. */
public final class IrPrinter {
    private IrPrinter() {}

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder();
        for (Node n : g.nodes()) sb.append(line(n)).append('\n');
        for (Map.Entry<String, Integer> e : g.outputs().entrySet())
            sb.append("output ").append(e.getKey()).append(" = %").append(e.getValue()).append('\n');
        return sb.toString();
    }

    public static String line(Node n) {
        String args = n.inputs().stream().map(i -> "%" + i).collect(Collectors.joining(", "));
        String attrs = n.op().attributes();
        String all = args.isEmpty() ? attrs : attrs.isEmpty() ? args : args + ", " + attrs;
        return n.label() + " = " + n.op().mnemonic() + "(" + all + ") : " + n.type();
    }
}
