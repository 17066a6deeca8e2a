package dev.netc.codegen.cuda;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.StorageSlots;
import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.LoopLocals;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides which values of a plan live in device buffers (the same rule as the Java backend: leaves
 * that someone reads from memory, kernel roots, and values read by another kernel) and gives each a
 * C identifier derived from its IR name.
 */
final class CudaBuffers {
    /** Identifiers the generated kernels use for their own locals and scalar parameters. */
    private static final Set<String> RESERVED = Set.of(
            "batch", "training", "seed", "counter", "learning_rate", "step", "i", "o", "r", "m", "n", "k", "M", "N", "K",
            "acc", "idx", "best", "g", "v", "mi", "vi", "lrT", "mu", "base", "partial", "plane", "xp", "img", "max", "min",
            "sum", "inv", "lse", "e", "scale", "count", "stride", "int", "float", "double", "char", "long", "short",
            "unsigned", "signed", "const", "void", "auto", "for", "if", "else", "while", "do", "return", "switch", "case",
            "default", "break", "continue", "struct", "class", "union", "enum", "static", "extern", "inline", "register",
            "volatile", "new", "delete", "this", "template", "typename", "namespace", "using", "operator", "sizeof",
            "true", "false", "bool", "goto", "private", "public", "protected", "virtual", "friend", "restrict", "netc",
            "dim3", "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "and", "or", "not", "xor", "asm");
    private static final Pattern LOCAL = Pattern.compile("(v|stream)[0-9]+|__.*|.*__.*");

    private final Graph graph;
    private final String[] name;
    private final BufferSpec.Kind[] kind;
    private final Set<String> taken = new HashSet<>();

    /** Slot members that use another buffer's memory: node id -> the slot's holder node. */
    private final Map<Integer, Integer> sharedWith = new java.util.HashMap<>();
    /** Holders of a shared slot: node id -> the element count of the slot's largest member. */
    private final Map<Integer, SizeExpr> slotSize = new java.util.HashMap<>();

    CudaBuffers(KernelPlan plan, MemoryPlan memory) {
        this.graph = plan.graph();
        int size = graph.size();
        name = new String[size];
        kind = new BufferSpec.Kind[size];
        BufferRole[] roles = BufferRole.of(plan);
        for (Node n : graph.nodes()) {
            if (n.type().dtype() == DType.F64)
                throw new IllegalArgumentException("the CUDA backend supports f32 and i32 tensors only; " + n.label() + " is " + n.type());
            BufferRole role = roles[n.id()];
            BufferSpec.Kind k = role == null ? null : switch (role) {
                case INPUT -> BufferSpec.Kind.INPUT;
                case PARAMETER -> BufferSpec.Kind.PARAMETER;
                case CONSTANT -> BufferSpec.Kind.CONSTANT;
                case COMPUTED -> BufferSpec.Kind.COMPUTED;
                case ALIAS -> BufferSpec.Kind.ALIAS;
            };
            if (k == null) continue;
            kind[n.id()] = k;
            name[n.id()] = unique(n.name() == null ? "t" + n.id() : sanitize(n.name()), n.id());
        }
        shareSlots(new StorageSlots(plan, memory));
    }

    /**
     * Applies the memory plan: the first computed member of a slot allocates as much as the largest
     * member, the others use its memory. A slot whose members grow with different powers of the batch
     * has no largest member at every batch size and is left unshared.
     */
    private void shareSlots(StorageSlots slots) {
        for (Node n : graph.nodes()) {
            if (kind[n.id()] != BufferSpec.Kind.COMPUTED || sharedWith.containsKey(n.id()) || slotSize.containsKey(n.id())) continue;
            List<Integer> members = slots.sharing(n.id()).stream().filter(id -> kind[id] == BufferSpec.Kind.COMPUTED).toList();
            if (members.size() < 2) continue;
            var largest = slots.largest(members);
            if (largest.isEmpty()) continue;
            int holder = members.getFirst();
            slotSize.put(holder, largest.get());
            for (int id : members) if (id != holder) {
                sharedWith.put(id, holder);
                kind[id] = BufferSpec.Kind.SHARED;
            }
        }
    }

    private String unique(String base, int id) {
        if (RESERVED.contains(base) || LoopLocals.NAMES.contains(base) || LOCAL.matcher(base).matches() || taken.contains(base)) base = base + "_" + id;
        for (int extra = 2; taken.contains(base); extra++) base = "buf" + id + "_" + extra;
        taken.add(base);
        return base;
    }

    /** A fresh identifier for a buffer that is no node (optimizer state). */
    String newName(String wanted) { return unique(sanitize(wanted), taken.size() + graph.size()); }

    static String sanitize(String irName) {
        StringBuilder sb = new StringBuilder();
        for (char ch : irName.toCharArray()) sb.append(Character.isLetterOrDigit(ch) && ch < 128 ? ch : '_');
        if (sb.isEmpty() || Character.isDigit(sb.charAt(0))) sb.insert(0, 'b');
        String s = sb.toString();
        return s.contains("__") ? s.replaceAll("_{2,}", "_") : s;
    }

    boolean has(int id) { return name[id] != null; }

    /** Node {@code id}'s buffer for the shared loop lowering; fails when the value has none. */
    Buf buf(int id) { return Buf.of(name(id), graph.node(id).type().dtype()); }

    /** Node {@code id}'s buffer, or null when the value has none. */
    Buf bufOrNull(int id) { return has(id) ? buf(id) : null; }

    /** The identifier of node {@code id}'s buffer; fails when the value has none. */
    String name(int id) {
        if (name[id] == null) throw new IllegalStateException(graph.node(id).label() + " is read but has no buffer");
        return name[id];
    }

    BufferSpec.Kind kind(int id) { return kind[id]; }

    static String elementType(Node n) {
        return switch (n.type().dtype()) {
            case I32 -> "int";
            case U8 -> "unsigned char"; // max-pool window positions
            case F32, F64 -> "float";
        };
    }

    /** The manifest entries of every node buffer, in node order. */
    List<BufferSpec> specs() {
        List<BufferSpec> out = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (name[n.id()] == null) continue;
            List<String> known = new ArrayList<>();
            if (n.op() instanceof Op.Input in) known.add(in.name());
            if (n.op() instanceof Op.Parameter p) known.add(p.name());
            for (Map.Entry<String, Integer> e : graph.outputs().entrySet()) if (e.getValue() == n.id()) known.add(e.getKey());
            String alias = kind[n.id()] == BufferSpec.Kind.ALIAS ? name(n.input(0))
                    : kind[n.id()] == BufferSpec.Kind.SHARED ? name(sharedWith.get(n.id())) : null;
            double fill = n.op() instanceof Op.Constant c ? c.value() : 0;
            SizeExpr count = slotSize.getOrDefault(n.id(), SizeExpr.count(n.type().shape()));
            out.add(new BufferSpec(name[n.id()], known, n.type().dtype().spelling(), count.toString(), kind[n.id()], alias, fill));
        }
        return out;
    }
}
