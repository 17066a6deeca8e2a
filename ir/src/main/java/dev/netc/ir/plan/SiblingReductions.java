package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.OpPattern;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Horizontal (multi-output) fusion: a reduction that reads the same value as an anchor joins the
 * anchor's kernel as a sibling output. The bias gradient {@code sum_to(dy)} and the weight gradient
 * {@code conv2d_backward_filter(x, dy)} or {@code matmul(x, dy, transpose_a)} both make a pass over
 * {@code dy}; fused, one kernel reads {@code dy} once and writes both results.
 *
 * <p>Decided by pattern only (a REDUCTION beside an OUT_ELEMWISE_FUSABLE reader). The reduction joins
 * the last anchor kernel that reads its operand, where that operand is read for the last time, so
 * its buffer is not kept alive any longer; it may not if one of its own readers would then run
 * before it.
 */
final class SiblingReductions {
    private SiblingReductions() {}

    /** A kernel under construction: its nodes (head first), sibling reductions, prologue and recomputed values. */
    record Group(List<Integer> nodes, List<Integer> siblings, Kernel.Phase phase, List<Integer> prologue,
                 List<Integer> recomputed) {}

    /**
     * Moves every lone reduction into the last anchor group of the same phase that reads its operand,
     * when all of its readers run after that group; otherwise records why not in {@code rejected}.
     * Candidates are taken in plan order, each once. A merge only removes the reduction's own group and
     * moves its views (reshapes of its result, which no other candidate reads) behind the anchor, so it
     * never changes another candidate's answer, and every question is answered from indices made in one
     * pass: linear in the size of the plan.
     *
     * @param groups kernels in plan order; modified in place
     */
    static void merge(Graph g, List<Group> groups, List<List<Integer>> liveUsers, List<FusionDecision> rejected) {
        int count = groups.size();
        int phases = Kernel.Phase.values().length;
        int[] groupAt = new int[g.size()];               // node -> index (in the original order) of its group
        Arrays.fill(groupAt, -1);
        int[] lastAnchor = new int[g.size() * phases];   // node and phase -> last anchor group reading the node
        Arrays.fill(lastAnchor, -1);
        for (int i = 0; i < count; i++) {
            Group group = groups.get(i);
            for (int id : group.nodes()) groupAt[id] = i;
            for (int id : group.prologue()) groupAt[id] = i;
            for (int id : group.siblings()) groupAt[id] = i;
            Node head = g.node(group.nodes().getFirst());
            if (FuseOps.isAnchor(head))
                for (int in : head.inputs()) lastAnchor[in * phases + group.phase().ordinal()] = i;
        }
        boolean[] gone = new boolean[count];             // merged away, or a view moved behind an anchor
        List<List<Group>> movedBehind = new ArrayList<>(java.util.Collections.nCopies(count, null));
        for (int r = 0; r < count; r++) {
            Group candidate = groups.get(r);
            if (candidate.nodes().size() != 1 || !candidate.siblings().isEmpty() || !candidate.prologue().isEmpty()
                    || !candidate.recomputed().isEmpty()) continue;
            Node reduction = g.node(candidate.nodes().getFirst());
            if (reduction.op().pattern() != OpPattern.REDUCTION || reduction.inputs().size() != 1) continue;
            int operand = reduction.input(0);
            int anchor = lastAnchor[operand * phases + candidate.phase().ordinal()];
            if (anchor < 0 || anchor == r) continue;
            Group target = groups.get(anchor);
            String anchorLabel = g.node(target.nodes().getFirst()).label();
            // views of the result (reshapes, no code) move along with it; their readers must wait too
            List<Integer> views = new ArrayList<>();
            List<Integer> readers = new ArrayList<>();
            for (int reader : liveUsers.get(reduction.id())) {
                if (isLoneView(g, groups, groupAt, reader)) {
                    views.add(groupAt[reader]);
                    readers.addAll(liveUsers.get(reader));
                } else {
                    readers.add(reader);
                }
            }
            int early = firstReaderBefore(groups, groupAt, readers, anchor, r);
            if (early >= 0) {
                rejected.add(new FusionDecision(reduction.id(), reduction.op().mnemonic() + " reads "
                        + g.node(operand).label() + " like anchor " + anchorLabel + ", but its reader "
                        + g.node(early).label() + " runs before that kernel, so it stays a separate pass"));
                continue;
            }
            target.siblings().add(reduction.id());
            groupAt[reduction.id()] = anchor;
            gone[r] = true;
            // each merge puts its views right behind the anchor, ahead of views an earlier merge put there
            List<Group> behind = new ArrayList<>();
            for (int v : views) {
                gone[v] = true;
                behind.add(groups.get(v));
            }
            if (movedBehind.get(anchor) != null) behind.addAll(movedBehind.get(anchor));
            movedBehind.set(anchor, behind);
        }
        List<Group> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (!gone[i]) out.add(groups.get(i));
            if (movedBehind.get(i) != null) out.addAll(movedBehind.get(i));
        }
        groups.clear();
        groups.addAll(out);
    }

    /** True when node id is a reshape computed by a group of its own (a view: no code). */
    private static boolean isLoneView(Graph g, List<Group> groups, int[] groupAt, int id) {
        if (!(g.node(id).op() instanceof dev.netc.ir.Op.Reshape) || groupAt[id] < 0) return false;
        Group group = groups.get(groupAt[id]);
        return group.nodes().size() == 1 && group.siblings().isEmpty();
    }

    /**
     * A reader of the reduction that would run no later than the anchor group once the reduction moves
     * there (plan order within one phase; phases run in order), or -1 when every reader runs after it.
     * No reader's group has moved (only views move, and a reader of a view is no view of another
     * reduction), so original indices give the plan order.
     */
    private static int firstReaderBefore(List<Group> groups, int[] groupAt, List<Integer> readers, int anchor, int reduction) {
        Kernel.Phase anchorPhase = groups.get(anchor).phase();
        for (int reader : readers) {
            int i = groupAt[reader];
            if (i < 0 || i == reduction) continue;
            Kernel.Phase phase = groups.get(i).phase();
            boolean before = phase.compareTo(anchorPhase) < 0 || phase == anchorPhase && i <= anchor;
            if (before) return reader;
        }
        return -1;
    }
}
