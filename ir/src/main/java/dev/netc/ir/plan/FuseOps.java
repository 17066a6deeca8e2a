package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.OpPattern;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

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
 * value (the bias gradient beside the weight gradient), as a second output, and {@link PoolFusion}
 * fuses max pooling into the convolution before it and the pooling gradient into the convolution
 * gradients after it.
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

    /** A group under construction: its prologue (a reduction head's), its nodes (head first), what it recomputes. */
    private record Open(List<Integer> prologue, List<Integer> nodes, List<Integer> recomputed) {
        Open() { this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()); }

        int size() { return prologue.size() + nodes.size() + recomputed.size(); }

        List<Integer> owned() {
            List<Integer> all = new ArrayList<>(prologue);
            all.addAll(nodes);
            return all;
        }

        void absorb(Open other) {
            prologue.addAll(other.prologue);
            nodes.addAll(other.nodes);
            for (int r : other.recomputed) if (!recomputed.contains(r)) recomputed.add(r);
        }
    }

    /** The fused plan plus every rejected candidate with its reason. */
    public static FusionResult analyze(Graph g) {
        Kernel.Phase[] phase = Phases.of(g);
        List<List<Integer>> users = liveUsers(g, phase);
        Open[] open = new Open[g.size()]; // open groups by root id; null once absorbed
        List<FusionDecision> rejected = new ArrayList<>();

        for (Node n : g.nodes()) {
            if (n.isLeaf() || phase[n.id()] == null) continue;
            Open group = new Open();
            boolean headed = takesEpilogue(g, n);
            if (perElement(n)) {
                for (int p : n.inputs().stream().distinct().toList()) {
                    Node operand = g.node(p);
                    // a reshape is a view of its operand's buffer: no pass to fuse away, no candidate
                    if (operand.isLeaf() || operand.op() instanceof Op.Reshape || group.owned().contains(p)) continue;
                    String why = open[p] == null ? "operand " + operand.label() + " (" + operand.op().mnemonic()
                            + ") is computed inside another kernel"
                            : rejection(g, operand, n, users, phase, headed && hasHead(g, open[p]), open[p]);
                    int size = group.size() + (open[p] == null ? 0 : open[p].size()) + 1;
                    if (why == null && size > MAX_KERNEL_NODES)
                        why = "operand " + operand.label() + " (" + operand.op().mnemonic() + ") would make a kernel of "
                                + size + " nodes, over the limit of " + MAX_KERNEL_NODES
                                + " (keeps each generated kernel a method the compilers handle quickly)";
                    if (why != null) {
                        if (recomputable(g, operand, n)) {
                            if (!group.recomputed().contains(p)) group.recomputed().add(p);
                        } else if (open[p] != null) {
                            rejected.add(new FusionDecision(n.id(), why));
                        }
                        continue;
                    }
                    headed |= hasHead(g, open[p]);
                    group.absorb(open[p]);
                    open[p] = null;
                }
                group.recomputed().removeAll(group.owned()); // absorbed after all through another operand
            } else if (isPlainReduction(n) && reducesTrailingAxes(g, n)) {
                int p = n.input(0);
                Node operand = g.node(p);
                if (!operand.isLeaf() && !(operand.op() instanceof Op.Reshape) && open[p] != null) {
                    String why = prologueRejection(g, operand, n, users, phase, open[p]);
                    if (why == null && open[p].size() + 1 > MAX_KERNEL_NODES)
                        why = "operand " + operand.label() + " would make a kernel over the limit of " + MAX_KERNEL_NODES + " nodes";
                    if (why != null) {
                        rejected.add(new FusionDecision(n.id(), why));
                    } else {
                        group.prologue().addAll(open[p].nodes());
                        group.recomputed().addAll(open[p].recomputed());
                        open[p] = null;
                    }
                }
                rowOpPrologue(g, n, group, open, users, phase, rejected);
            }
            group.nodes().add(n.id());
            // the head runs first, then the epilogue in id order
            group.nodes().sort(Comparator.comparing((Integer id) -> !takesEpilogue(g, g.node(id))).thenComparing(id -> id));
            group.prologue().sort(Comparator.naturalOrder());
            group.recomputed().sort(Comparator.naturalOrder());
            open[n.id()] = group;
        }

        // the groups still open, in the order of their roots
        List<SiblingReductions.Group> groups = new ArrayList<>();
        for (int root = 0; root < g.size(); root++)
            if (open[root] != null)
                groups.add(new SiblingReductions.Group(open[root].nodes(), new ArrayList<>(), phase[root],
                        open[root].prologue(), open[root].recomputed()));
        SiblingReductions.merge(g, groups, users, rejected);

        List<Kernel> kernels = new ArrayList<>(groups.size());
        for (SiblingReductions.Group group : groups) {
            List<Integer> named = new ArrayList<>(group.prologue());
            named.addAll(group.nodes());
            named.addAll(group.siblings());
            kernels.add(new Kernel(Phases.kernelName(g, kernels.size(), groups.size(), named), group.nodes(),
                    group.phase(), group.siblings(), group.prologue(), group.recomputed()));
        }
        List<Kernel> pooled = PoolFusion.apply(g, kernels, users, rejected);
        return new FusionResult(new KernelPlan(g, ScheduleKernels.byHeads(g, pooled)), rejected);
    }

    /** For each node, the ids of its live readers (nodes some output depends on), in id order. */
    static List<List<Integer>> liveUsers(Graph g, Kernel.Phase[] phase) {
        List<List<Integer>> users = g.users();
        List<List<Integer>> live = new ArrayList<>(users.size());
        for (List<Integer> u : users) live.add(u.stream().filter(id -> phase[id] != null).toList());
        return live;
    }

    private static String rejection(Graph g, Node operand, Node n, List<List<Integer>> users,
                                    Kernel.Phase[] phase, boolean twoHeads, Open open) {
        List<Integer> group = open.owned();
        String what = "operand " + operand.label() + " (" + operand.op().mnemonic() + ")";
        if (!perElement(operand) && !takesEpilogue(g, operand))
            return what + " is " + operand.op().pattern() + ", which takes no elementwise epilogue";
        int earlier = earlierReader(group, n, users);
        if (earlier >= 0)
            return what + " is also read by " + g.node(earlier).label() + " (" + g.node(earlier).op().mnemonic()
                    + "), which runs before this node could: it keeps its own kernel";
        if (!operand.type().equals(n.type()) && !secondPass(g, n, open))
            return what + " has type " + operand.type() + " but the result has " + n.type();
        if (phase[operand.id()] != phase[n.id()]) return what + " runs in another phase";
        if (twoHeads) return what + " would put a second anchor or reduction into the kernel";
        return null;
    }

    /**
     * A softmax or log-softmax along the last axis that the reduction's prologue reads, over the same
     * rows the reduction reduces, runs first in the same parallel iteration: the row it writes is still
     * in cache when the reduction reads it (cross-entropy: log_softmax, then sum of one_hot * log_p,
     * one kernel). The row op always stores its result (the reduction's loop reads it from there).
     */
    private static void rowOpPrologue(Graph g, Node n, Open group, Open[] open, List<List<Integer>> users,
                                      Kernel.Phase[] phase, List<FusionDecision> rejected) {
        dev.netc.ir.Shape x = g.node(n.input(0)).type().shape();
        if (!reducesOnlyLastAxis(g, n)) return;
        List<Integer> readers = group.prologue().isEmpty() ? List.of(n.id()) : group.prologue();
        for (int member : readers)
            for (int q : loadedOperands(g.node(member))) {
                Node row = g.node(q);
                boolean rowOp = row.op() instanceof Op.Softmax s && s.axis() == x.rank() - 1
                        || row.op() instanceof Op.LogSoftmax l && l.axis() == x.rank() - 1;
                if (!rowOp || open[q] == null || open[q].size() != 1 || phase[q] != phase[n.id()]
                        || !row.type().shape().equals(x)) continue;
                List<Integer> owned = group.owned();
                if (!users.get(q).stream().filter(u -> u < n.id()).allMatch(owned::contains)) continue;
                group.prologue().addFirst(q);
                open[q] = null;
                // a prologue node's earlier refusal to take the row op as its operand is moot now
                String refused = "operand " + row.label() + " (";
                rejected.removeIf(d -> owned.contains(d.node()) && d.reason().startsWith(refused));
                return;
            }
    }

    /** True when reduction n reduces exactly its operand's last axis (rows of a softmax along it). */
    private static boolean reducesOnlyLastAxis(Graph g, Node n) {
        dev.netc.ir.Shape x = g.node(n.input(0)).type().shape();
        dev.netc.ir.Shape reduced = reducedShape(g, n);
        if (reduced == null || x.dim(x.rank() - 1).isOne()) return false;
        for (int a = 0; a < x.rank(); a++)
            if (x.dim(a).equals(reduced.dim(a)) == (a == x.rank() - 1)) return false;
        return true;
    }

    /** The operand shape with the reduced axes set to 1, or null for anything but a sum, mean or max. */
    private static dev.netc.ir.Shape reducedShape(Graph g, Node n) {
        dev.netc.ir.Shape x = g.node(n.input(0)).type().shape();
        return switch (n.op()) {
            case Op.Reduce r -> x.withUnitAxes(r.axes());
            case Op.SumTo s -> s.target().padToRank(x.rank());
            default -> null;
        };
    }

    /**
     * True when elementwise n can run as a second pass over the rows of the reduction heading
     * {@code group}: n has the reduction's operand shape and reads its result broadcast along the
     * reduced (trailing) axes, e.g. the softmax gradient {@code g - exp(log_p) * sum(g, keep_dims)}.
     */
    private static boolean secondPass(Graph g, Node n, Open group) {
        Node head = g.node(group.nodes().getFirst());
        if (!isPlainReduction(head) || !reducesTrailingAxes(g, head)) return false;
        dev.netc.ir.Shape x = g.node(head.input(0)).type().shape();
        return n.type().shape().equals(x) && head.type().shape().rank() == x.rank()
                && n.type().dtype() == head.type().dtype();
    }

    /** Why reduction n cannot read its operand's group as a prologue, or null when it can. */
    private static String prologueRejection(Graph g, Node operand, Node n, List<List<Integer>> users,
                                            Kernel.Phase[] phase, Open group) {
        String what = "operand " + operand.label() + " (" + operand.op().mnemonic() + ")";
        if (hasHead(g, group) || !group.prologue().isEmpty() || !group.nodes().stream().allMatch(id -> perElement(g.node(id))))
            return what + " is computed by a kernel with an anchor or a reduction, which cannot run inside this reduction's loop";
        if (phase[operand.id()] != phase[n.id()]) return what + " runs in another phase";
        int earlier = earlierReader(group.owned(), n, users);
        if (earlier >= 0)
            return what + " is also read by " + g.node(earlier).label() + " (" + g.node(earlier).op().mnemonic()
                    + "), which runs before this reduction could: it keeps its own kernel";
        return null;
    }

    /**
     * The recomputation rule: a value computed by another kernel is evaluated again where it is read,
     * instead of being loaded, when that costs less memory traffic than the load: it is elementwise
     * (or one-hot), has the reader's type, and what it loads are leaves (inputs, parameters,
     * constants) of no more bytes than the value itself. A dropout mask loads nothing (its elements
     * come from a counter-based generator); a one-hot row loads one class index.
     */
    static boolean recomputable(Graph g, Node value, Node reader) {
        if (!perElement(value) || !value.type().equals(reader.type())) return false;
        long loaded = 0;
        for (int in : loadedOperands(value)) {
            Node operand = g.node(in);
            if (!operand.isLeaf()) return false;
            if (!(operand.op() instanceof Op.Constant)) loaded += Traffic.bytes(operand, 1);
        }
        return loaded <= Traffic.bytes(value, 1);
    }

    /** The operands whose values an op reads: all of them, except for a dropout mask (shape only). */
    static List<Integer> loadedOperands(Node n) {
        return n.op() instanceof Op.DropoutMask ? List.of() : n.inputs();
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

    private static boolean hasHead(Graph g, Open group) {
        return group.nodes().stream().anyMatch(id -> takesEpilogue(g, g.node(id)));
    }

    /** Ops evaluated per element inside a loop (elementwise ops and one-hot). */
    static boolean perElement(Node n) { return BufferRole.inlinesOperands(n); }

    /** A reduction computing each output from a serial pass over its reduced elements: a sum, mean or max. */
    static boolean isPlainReduction(Node n) {
        return n.op() instanceof Op.Reduce || n.op() instanceof Op.SumTo;
    }

    /**
     * True when some axis is kept and every reduced axis comes after every kept one (size-1 axes aside): each output reduces
     * one contiguous row, so a loop with one output per parallel iteration has as many iterations as
     * rows. The cost rule for a prologue: a reduction over leading axes (a bias gradient over the
     * batch) has few outputs and long strided columns, and runs better as its own blocked pass (or as a
     * sibling output of the anchor reading the same operand) than with a prologue in that loop.
     */
    static boolean reducesTrailingAxes(Graph g, Node n) {
        dev.netc.ir.Shape x = g.node(n.input(0)).type().shape();
        dev.netc.ir.Shape reduced = reducedShape(g, n);
        if (reduced == null) return false;
        boolean seenReduced = false, seenKept = false;
        for (int a = 0; a < x.rank(); a++) {
            if (x.dim(a).isOne()) continue;
            boolean kept = x.dim(a).equals(reduced.dim(a));
            if (kept && seenReduced) return false;
            seenReduced |= !kept;
            seenKept |= kept;
        }
        return seenKept && seenReduced; // a reduction to one value would run as one serial loop
    }

    /**
     * An op that takes an elementwise epilogue: an anchor, or a plain reduction over trailing axes
     * (applied once per output). A reduction over leading axes (batch-norm statistics, a bias
     * gradient) keeps its blocked pass, whose order the unfused plan shares, and no epilogue.
     */
    static boolean takesEpilogue(Graph g, Node n) {
        return isAnchor(n) || isPlainReduction(n) && reducesTrailingAxes(g, n);
    }

    static boolean isAnchor(Node n) { return n.op().pattern() == OpPattern.OUT_ELEMWISE_FUSABLE; }
}
