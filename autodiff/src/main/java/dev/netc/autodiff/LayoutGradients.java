package dev.netc.autodiff;

import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient rules of the pooling and layout ops added for the model zoo: average pooling, concat and
 * slice. Concat and slice are each other's adjoints: a concat's operands get slices of dy, and a
 * slice's operand gets dy padded with zeros by a concat.
 */
final class LayoutGradients {
    private LayoutGradients() {}

    static int avgPool(Op.AvgPool p, int x, int dy, GradientBuilder e) {
        Shape xs = e.shape(x);
        return e.add(new Op.AvgPoolGrad(p.size(), p.stride(), p.padding(), xs.size(2), xs.size(3)), dy);
    }

    /** Operand k receives dy[..., offset_k : offset_k + len_k, ...] along the axis. */
    static void concat(Op.Concat c, int[] in, int dy, boolean[] wants, int[] grads, GradientBuilder e) {
        int offset = 0;
        for (int k = 0; k < in.length; k++) {
            int len = e.shape(in[k]).size(c.axis());
            if (wants[k]) grads[k] = in.length == 1 ? dy : e.add(new Op.Slice(c.axis(), offset, offset + len), dy);
            offset += len;
        }
    }

    /** dy placed back at [start, end) of the axis, with zeros before and after. */
    static int slice(Op.Slice s, int x, int dy, GradientBuilder e) {
        Shape xs = e.shape(x);
        int full = xs.size(s.axis());
        List<Integer> parts = new ArrayList<>();
        if (s.start() > 0) parts.add(e.constant(0, e.type(dy).withShape(xs.with(s.axis(), Dim.of(s.start())))));
        parts.add(dy);
        if (s.end() < full) parts.add(e.constant(0, e.type(dy).withShape(xs.with(s.axis(), Dim.of(full - s.end())))));
        return parts.size() == 1 ? dy : e.add(new Op.Concat(s.axis()), parts.stream().mapToInt(Integer::intValue).toArray());
    }
}
