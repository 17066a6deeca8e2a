package dev.netc.autodiff;

import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The gradient a value receives from all the slices read of it, joined. Padding each slice's dy
 * with zeros to the full shape and adding them up costs the full size per slice: an unrolled
 * recurrence slices T steps (and each step G gates) out of one value, so that would be quadratic in
 * T. When the slices lie along one axis and do not overlap, their dys are instead placed side by
 * side by ONE concat, zeros filling the gaps: linear, and exactly the same sum.
 */
final class SliceGradients {
    private SliceGradients() {}

    /** One slice of the value and the gradient of its result. */
    record Piece(Op.Slice slice, int dy) {}

    /**
     * The gradient terms for a value of the given node from its slices: one concat when they are
     * disjoint along one axis, else one zero-padded term per slice (as {@link LayoutGradients#slice}).
     */
    static List<Integer> terms(int x, List<Piece> pieces, GradientBuilder e) {
        if (pieces.isEmpty()) return List.of();
        if (pieces.size() == 1 || !disjointAlongOneAxis(pieces))
            return pieces.stream().map(p -> LayoutGradients.slice(p.slice(), x, p.dy(), e)).toList();
        List<Piece> sorted = pieces.stream().sorted(Comparator.comparingInt(p -> p.slice().start())).toList();
        int axis = sorted.getFirst().slice().axis();
        Shape xs = e.shape(x);
        int full = xs.size(axis), at = 0;
        List<Integer> parts = new ArrayList<>();
        for (Piece p : sorted) {
            if (p.slice().start() > at) parts.add(zeros(e, p.dy(), xs, axis, p.slice().start() - at));
            parts.add(p.dy());
            at = p.slice().end();
        }
        if (at < full) parts.add(zeros(e, sorted.getFirst().dy(), xs, axis, full - at));
        return List.of(parts.size() == 1 ? parts.getFirst() : e.add(new Op.Concat(axis), parts.stream().mapToInt(Integer::intValue).toArray()));
    }

    private static int zeros(GradientBuilder e, int like, Shape xs, int axis, int length) {
        return e.constant(0, e.type(like).withShape(xs.with(axis, Dim.of(length))));
    }

    private static boolean disjointAlongOneAxis(List<Piece> pieces) {
        int axis = pieces.getFirst().slice().axis();
        if (pieces.stream().anyMatch(p -> p.slice().axis() != axis)) return false;
        List<Op.Slice> sorted = pieces.stream().map(Piece::slice).sorted(Comparator.comparingInt(Op.Slice::start)).toList();
        for (int i = 1; i < sorted.size(); i++)
            if (sorted.get(i).start() < sorted.get(i - 1).end()) return false;
        return true;
    }
}
