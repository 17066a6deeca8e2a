package dev.netc.codegen.java;

import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.LoopLocals;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.KernelPlan;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;

/**
 * Decides which values of a plan live in fields of the generated class, and names those fields after
 * the IR names ("dense/kernel" becomes {@code dense_kernel}; unnamed values are {@code t<id>}).
 */
final class Buffers {

    /** Locals and members of the generated class that fields must not shadow or clash with. */
    private static final Set<String> RESERVED = Set.of(
            "batch", "seed", "training", "inference", "dropoutCounter", "optimizerState", "name", "node", "z", "i", "j", "k",
            "o", "c", "v", "g", "mu", "mi", "vi", "lrT", "base", "best", "max", "sum", "inv", "lse", "e", "scale",
            "stream", "learningRate", "step", "state",
            // the buffer arrays of a split model (SplitLayout), whose kernels name buffers as locals
            "floats", "ints", "bytes");
    /** Loop locals, and the fields holding the parts of a split model. */
    private static final Pattern LOCAL = Pattern.compile("(v|stream)[0-9]+|(kernels|shapes|storage|updates)_?[0-9]+");

    private final Graph graph;
    private final String[] field;
    private final BufferRole[] role;
    private final Set<String> taken = new HashSet<>();

    Buffers(KernelPlan plan) {
        this.graph = plan.graph();
        int size = graph.size();
        field = new String[size];
        role = new BufferRole[size];
        BufferRole[] roles = BufferRole.of(plan);
        for (Node n : graph.nodes()) {
            if (n.type().dtype() == DType.F64)
                throw new IllegalArgumentException("the Java backend supports f32 and i32 tensors only; "
                        + n.label() + " is " + n.type() + " (f64 graphs run on the interpreter)");
            if (roles[n.id()] == null) continue;
            role[n.id()] = roles[n.id()];
            field[n.id()] = uniqueName(n.name() == null ? "t" + n.id() : sanitize(n.name()), n.id());
        }
    }


    private String uniqueName(String base, int id) {
        if (RESERVED.contains(base) || LoopLocals.NAMES.contains(base) || LOCAL.matcher(base).matches() || !SourceVersion.isName(base) || taken.contains(base))
            base = base + "_" + id;
        for (int extra = 2; !SourceVersion.isName(base) || taken.contains(base); extra++) base = "t" + id + "_" + extra;
        taken.add(base);
        return base;
    }

    /** A fresh field name for something that is not a node (optimizer state), unique among all fields. */
    String newField(String wanted) { return uniqueName(sanitize(wanted), taken.size()); }

    static String sanitize(String irName) {
        StringBuilder sb = new StringBuilder();
        for (char ch : irName.toCharArray()) sb.append(Character.isLetterOrDigit(ch) && ch < 128 ? ch : '_');
        if (sb.isEmpty() || Character.isDigit(sb.charAt(0))) sb.insert(0, '_');
        return sb.toString();
    }

    /** Node {@code id}'s buffer for the shared loop lowering, or null when the value has none. */
    Buf buf(int id) { return field[id] == null ? null : Buf.of(field[id], graph.node(id).type().dtype()); }

    /** A field holding values of node {@code n}'s type (a kernel root written by its head). */
    Buf bufNamed(String fieldName, Node n) { return Buf.of(fieldName, n.type().dtype()); }

    /** The field holding node {@code id}, or null when the value has none (inlined or dead). */
    String field(int id) { return field[id]; }

    /** How node {@code id}'s field gets its array (the plan's buffer role). */
    BufferRole role(int id) { return role[id]; }

    /** The graph whose values these buffers hold. */
    Graph graph() { return graph; }

    boolean hasField(int id) { return field[id] != null; }

    /** "float[]", "int[]" or "byte[]". */
    String arrayType(int id) { return elementType(id) + "[]"; }

    String elementType(int id) { return elementType(graph.node(id).type().dtype()); }

    /** The Java element type holding a dtype: u8 window positions in bytes (values below 128: no sign to strip). */
    static String elementType(DType t) {
        return switch (t) {
            case I32 -> "int";
            case U8 -> "byte";
            case F32, F64 -> "float";
        };
    }
}
