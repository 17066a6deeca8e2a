package dev.netc.ir.plan;

import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The compulsory memory traffic of each kernel of a plan at one batch size: every value the kernel
 * reads from outside (a buffer of another kernel, an input, a parameter) counts once, every value it
 * writes to a buffer counts once. Values that stay inside a fused kernel cost nothing, which is the
 * point of fusion. Constants read by elementwise code are literals and cost nothing; a lone reshape
 * is a view of its operand and costs nothing. Caches and library scratch (im2col panels) are not
 * modelled: this is a lower bound, good for comparing plans.
 */
public final class Traffic {
    private Traffic() {}

    /** Bytes read and written by one kernel per step. */
    public record KernelTraffic(Kernel kernel, long bytesRead, long bytesWritten) {
        public long total() { return bytesRead + bytesWritten; }
    }

    /** The traffic of every kernel of the plan, in plan order, with every symbolic dimension bound to batch. */
    public static List<KernelTraffic> of(KernelPlan plan, int batch) {
        Graph g = plan.graph();
        Map<String, Integer> bindings = bindings(g, batch);
        boolean[] materialized = plan.materialized();
        List<KernelTraffic> out = new ArrayList<>(plan.kernels().size());
        for (Kernel k : plan.kernels()) {
            if (isView(g, k)) {
                out.add(new KernelTraffic(k, 0, 0));
                continue;
            }
            // an operand read by the anchor and by a sibling reduction is read once: counted once
            // recomputed values are evaluated from their operands: those are read, not the values
            Set<Integer> inside = new java.util.HashSet<>(k.allNodes());
            inside.addAll(k.recomputed());
            Set<Integer> external = new LinkedHashSet<>();
            List<Integer> evaluated = new ArrayList<>(k.recomputed());
            evaluated.addAll(k.allNodes());
            for (int id : evaluated) {
                Node n = g.node(id);
                for (int in : FuseOps.loadedOperands(n)) {
                    if (inside.contains(in)) continue;
                    if (g.node(in).op() instanceof Op.Constant && FuseOps.perElement(n)) continue;
                    external.add(in);
                }
            }
            long read = 0, written = 0;
            for (int in : external) read += bytes(g.node(in), bindings);
            for (int id : k.allNodes()) if (materialized[id]) written += bytes(g.node(id), bindings);
            out.add(new KernelTraffic(k, read, written));
        }
        return out;
    }

    /** True for a kernel that is a lone reshape: a view of its operand's buffer, no code, no traffic. */
    public static boolean isView(Graph g, Kernel k) {
        return k.nodes().size() == 1 && g.node(k.root()).op() instanceof Op.Reshape;
    }

    /** Bytes of one node's value with every symbolic dimension bound to batch. */
    public static long bytes(Node n, int batch) { return bytes(n.type().shape(), n.type().dtype(), symbolBindings(n.type().shape(), batch)); }

    static long bytes(Node n, Map<String, Integer> bindings) { return bytes(n.type().shape(), n.type().dtype(), bindings); }

    private static long bytes(Shape s, DType t, Map<String, Integer> bindings) {
        return s.elementCount(bindings) * elementBytes(t);
    }

    /** Bytes per element: 4 for f32 and i32, 8 for f64, 1 for u8. */
    public static int elementBytes(DType t) {
        return switch (t) {
            case F32, I32 -> 4;
            case F64 -> 8;
            case U8 -> 1;
        };
    }

    /** Every symbol of the graph (there is normally one, the batch) bound to batch. */
    static Map<String, Integer> bindings(Graph g, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch size must be positive, got " + batch);
        Map<String, Integer> b = new HashMap<>();
        for (Node n : g.nodes()) b.putAll(symbolBindings(n.type().shape(), batch));
        return b;
    }

    private static Map<String, Integer> symbolBindings(Shape s, int batch) {
        Map<String, Integer> b = new HashMap<>();
        for (Dim d : s.dims()) if (d instanceof Dim.Sym sym) b.put(sym.name(), batch);
        return b;
    }
}
