package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.OpPattern;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Operator fusion in the spirit of TVM's FuseOps, deciding only by {@link OpPattern}, never by named
 * op pairs: an ELEMWISE/BROADCAST node absorbs the kernel of an operand when that operand is
 * elementwise or an anchor (OUT_ELEMWISE_FUSABLE: matmul, conv2d, conv2d_backward_data, ...), runs in
 * the same phase, has exactly the same type, and no other live node reads the group before this node
 * does. Absorbed values nobody else reads stay inside the kernel; values read later (a graph output, a
 * pre-activation its gradient reads) are stored by the kernel as extra outputs. A kernel holds at most
 * one anchor, which runs first; the rest is its elementwise epilogue.
 *
 * <p>A kernel holds at most {@link #MAX_KERNEL_NODES} nodes: a longer elementwise chain is cut into
 * several kernels (the cut is listed among the rejected candidates with its reason). Every generated
 * kernel then stays a method of bounded size: small enough for the JVM's 64 KiB method limit and for
 * the JIT, which leaves methods over 8,000 bytes of bytecode interpreted, and quick for javac.
 *
 * <p>Then {@link SiblingReductions} lets a reduction join the kernel of an anchor reading the same
 * value (the bias gradient beside the weight gradient), as a second output.
 *
 * <p>So "conv2d, add bias, relu" becomes one kernel in the forward pass, and in the backward pass
 * "matmul (backward data), multiply by the relu mask" becomes one kernel. Users are counted among
 * live nodes only: a gradient nobody needs (e.g. of a dropout mask) does not keep a value apart.
 */
public final class FuseOps {
    private FuseOps() {}

    /**
     * The most nodes one kernel may hold. Each elementwise node is one statement in the kernel's
     * vector loop and one in its scalar tail (Java) or one line of device code (CUDA); 64 of them
     * stay well under the JIT's 8,000-byte limit for compiling a method.
     */
    public static final int MAX_KERNEL_NODES = 64;

    /** The fused plan. */
    public static KernelPlan fuse(Graph g) { return analyze(g).plan(); }

    /** The fused plan plus every rejected candidate with its reason. */
    public static FusionResult analyze(Graph g) {
        Kernel.Phase[] phase = Phases.of(g);
        List<List<Integer>> users = liveUsers(g, phase);
        Set<Integer> outputs = new HashSet<>(g.outputs().values());
        List<List<Integer>> groupOf = new ArrayList<>(Collections.nCopies(g.size(), null)); // open groups by root id
        List<FusionDecision> rejected = new ArrayList<>();

        for (Node n : g.nodes()) {
            if (n.isLeaf() || phase[n.id()] == null) continue;
            List<Integer> members = new ArrayList<>();
            boolean anchor = isAnchor(n);
            if (isElementwise(n)) {
                for (int p : n.inputs().stream().distinct().toList()) {
                    Node operand = g.node(p);
                    // a reshape is a view of its operand's buffer: no pass to fuse away, no candidate
                    if (operand.isLeaf() || groupOf.get(p) == null || operand.op() instanceof Op.Reshape) continue;
                    String why = rejection(g, operand, n, users, outputs, phase, anchor && hasAnchor(g, groupOf.get(p)), groupOf.get(p));
                    int size = members.size() + groupOf.get(p).size() + 1;
                    if (why == null && size > MAX_KERNEL_NODES)
                        why = "operand " + operand.label() + " (" + operand.op().mnemonic() + ") would make a kernel of "
                                + size + " nodes, over the limit of " + MAX_KERNEL_NODES
                                + " (keeps each generated kernel a method the compilers handle quickly)";
                    if (why != null) {
                        rejected.add(new FusionDecision(n.id(), why));
                        continue;
                    }
                    anchor |= hasAnchor(g, groupOf.get(p));
                    members.addAll(groupOf.get(p));
                    groupOf.set(p, null);
                }
            }
            members.add(n.id());
            // the anchor runs first, then the epilogue in id order
            members.sort(Comparator.comparing((Integer id) -> !isAnchor(g.node(id))).thenComparing(id -> id));
            groupOf.set(n.id(), members);
        }

        // the groups still open, in the order of their roots
        List<SiblingReductions.Group> groups = new ArrayList<>();
        for (int root = 0; root < g.size(); root++)
            if (groupOf.get(root) != null) groups.add(new SiblingReductions.Group(groupOf.get(root), phase[root]));
        SiblingReductions.merge(g, groups, users, rejected);

        List<Kernel> kernels = new ArrayList<>(groups.size());
        for (SiblingReductions.Group group : groups) {
            List<Integer> named = new ArrayList<>(group.nodes());
            named.addAll(group.siblings());
            kernels.add(new Kernel(Phases.kernelName(g, kernels.size(), groups.size(), named), group.nodes(),
                    group.phase(), group.siblings()));
        }
        return new FusionResult(new KernelPlan(g, kernels), rejected);
    }

    /** For each node, the ids of its live readers (nodes some output depends on), in id order. */
    static List<List<Integer>> liveUsers(Graph g, Kernel.Phase[] phase) {
        List<List<Integer>> users = g.users();
        List<List<Integer>> live = new ArrayList<>(users.size());
        for (List<Integer> u : users) live.add(u.stream().filter(id -> phase[id] != null).toList());
        return live;
    }

    private static String rejection(Graph g, Node operand, Node n, List<List<Integer>> users, Set<Integer> outputs,
                                    Kernel.Phase[] phase, boolean twoAnchors, List<Integer> group) {
        String what = "operand " + operand.label() + " (" + operand.op().mnemonic() + ")";
        if (!isElementwise(operand) && !isAnchor(operand))
            return what + " is " + operand.op().pattern() + ", which takes no elementwise epilogue";
        int earlier = earlierReader(group, n, users);
        if (earlier >= 0)
            return what + " is also read by " + g.node(earlier).label() + " (" + g.node(earlier).op().mnemonic()
                    + "), which runs before this node could: it keeps its own kernel";
        if (!operand.type().equals(n.type()))
            return what + " has type " + operand.type() + " but the result has " + n.type();
        if (phase[operand.id()] != phase[n.id()]) return what + " runs in another phase";
        if (twoAnchors) return what + " would put a second anchor into the kernel";
        return null;
    }

    /**
     * A reader outside the group, other than n, that comes before n: it would have to run between the
     * group and n, so the group cannot wait to run with n. Readers after n are fine: the fused kernel
     * stores the value they read (multi-output), so a value with several users still fuses into one
     * of them (an activation into its layer, though its gradient reads the layer's output later).
     * Returns the first such reader, or -1.
     */
    private static int earlierReader(List<Integer> group, Node n, List<List<Integer>> users) {
        for (int member : group)
            for (int u : users.get(member))
                if (u != n.id() && u < n.id() && !group.contains(u)) return u;
        return -1;
    }

    private static boolean hasAnchor(Graph g, List<Integer> group) {
        return group.stream().anyMatch(id -> isAnchor(g.node(id)));
    }

    static boolean isElementwise(Node n) {
        return n.op().pattern() == OpPattern.ELEMWISE || n.op().pattern() == OpPattern.BROADCAST;
    }

    static boolean isAnchor(Node n) { return n.op().pattern() == OpPattern.OUT_ELEMWISE_FUSABLE; }
}
