package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.OpPattern;
import java.util.ArrayList;
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

    /** A kernel under construction: its nodes (anchor first) and its sibling reductions. */
    record Group(List<Integer> nodes, List<Integer> siblings, Kernel.Phase phase) {
        Group(List<Integer> nodes, Kernel.Phase phase) { this(nodes, new ArrayList<>(), phase); }
    }

    /**
     * Moves every lone reduction into the last anchor group of the same phase that reads its operand,
     * when all of its readers run after that group; otherwise records why not in {@code rejected}.
     *
     * @param groups kernels in plan order; modified in place
     */
    static void merge(Graph g, List<Group> groups, List<List<Integer>> liveUsers, List<FusionDecision> rejected) {
        for (int r = 0; r < groups.size(); r++) {
            Group candidate = groups.get(r);
            if (candidate.nodes().size() != 1 || !candidate.siblings().isEmpty()) continue;
            Node reduction = g.node(candidate.nodes().getFirst());
            if (reduction.op().pattern() != OpPattern.REDUCTION || reduction.inputs().size() != 1) continue;
            int operand = reduction.input(0);
            int anchor = lastAnchorReading(g, groups, operand, candidate.phase(), r);
            if (anchor < 0) continue;
            Group target = groups.get(anchor);
            String anchorLabel = g.node(target.nodes().getFirst()).label();
            // views of the result (reshapes, no code) move along with it; their readers must wait too
            List<Group> views = new ArrayList<>();
            List<Integer> readers = new ArrayList<>();
            for (int reader : liveUsers.get(reduction.id())) {
                Group view = loneView(g, groups, reader);
                if (view != null) {
                    views.add(view);
                    readers.addAll(liveUsers.get(reader));
                } else {
                    readers.add(reader);
                }
            }
            int early = firstReaderBefore(groups, readers, anchor, r);
            if (early >= 0) {
                rejected.add(new FusionDecision(reduction.id(), reduction.op().mnemonic() + " reads "
                        + g.node(operand).label() + " like anchor " + anchorLabel + ", but its reader "
                        + g.node(early).label() + " runs before that kernel, so it stays a separate pass"));
                continue;
            }
            target.siblings().add(reduction.id());
            groups.remove(candidate);
            groups.removeAll(views);
            groups.addAll(groups.indexOf(target) + 1, views);
            r = -1; // indices moved: start over (each merge removes a lone reduction, so this ends)
        }
    }

    /** The group that is nothing but a reshape of node id (a view: no code), or null. */
    private static Group loneView(Graph g, List<Group> groups, int id) {
        if (!(g.node(id).op() instanceof dev.netc.ir.Op.Reshape)) return null;
        for (Group group : groups) if (group.nodes().equals(List.of(id)) && group.siblings().isEmpty()) return group;
        return null;
    }

    /** Index of the last group (other than skip) of this phase whose anchor reads operand; -1 if none. */
    private static int lastAnchorReading(Graph g, List<Group> groups, int operand, Kernel.Phase phase, int skip) {
        for (int i = groups.size() - 1; i >= 0; i--) {
            Group group = groups.get(i);
            if (i == skip || group.phase() != phase) continue;
            Node head = g.node(group.nodes().getFirst());
            if (FuseOps.isAnchor(head) && head.inputs().contains(operand)) return i;
        }
        return -1;
    }

    /**
     * A reader of the reduction that would run no later than the anchor group once the reduction moves
     * there (plan order within one phase; phases run in order), or -1 when every reader runs after it.
     */
    private static int firstReaderBefore(List<Group> groups, List<Integer> readers, int anchor, int reduction) {
        Kernel.Phase anchorPhase = groups.get(anchor).phase();
        for (int reader : readers) {
            for (int i = 0; i < groups.size(); i++) {
                Group group = groups.get(i);
                if (i == reduction || !(group.nodes().contains(reader) || group.siblings().contains(reader))) continue;
                boolean before = group.phase().compareTo(anchorPhase) < 0 || group.phase() == anchorPhase && i <= anchor;
                if (before) return reader;
            }
        }
        return -1;
    }
}
