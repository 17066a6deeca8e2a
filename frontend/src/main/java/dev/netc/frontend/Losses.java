package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.List;
import java.util.stream.IntStream;

/** Loss functions, built from primitive ops so that autodiff needs no special cases. */
final class Losses {
    private Losses() {}

    /** -sum(onehot(labels) * log_softmax(logits), axis=-1), then mean (or sum, or none) over the batch. */
    static Value softmaxCrossEntropy(Emitter e, Args a, String name) {
        Value.Tensor logits = a.tensor("logits"), labels = a.tensor("labels");
        String reduction = a.word("reduction", "mean", "mean", "sum", "none");
        Shape ls = logits.type().shape(), ys = labels.type().shape();
        String fn = "softmax_cross_entropy";
        if (ls.rank() < 1 || !(ls.dim(-1) instanceof Dim.Known classes))
            throw new UserError(a.span("logits"), fn + ": logits must end in a known number of classes, got " + ls);
        if (!logits.type().dtype().isFloat())
            throw new UserError(a.span("logits"), fn + ": logits must be a float tensor, got " + logits.type());
        int last = ls.rank() - 1;
        Value.Tensor target;
        if (labels.type().dtype() == DType.I32) {
            if (!ys.equals(ls.drop(last)))
                throw new UserError(a.span(), fn + ": i32 labels must have shape " + ls.drop(last) + " for logits " + ls + ", got " + ys,
                        List.of("give class indices of shape " + ls.drop(last) + " or one-hot float labels of shape " + ls));
            if (logits.type().dtype() != DType.F32)
                throw new UserError(a.span("logits"), fn + ": i32 labels need f32 logits, got " + logits.type());
            target = e.add(new Op.OneHot(classes.size()), null, a.span(), labels);
        } else {
            if (!ys.equals(ls))
                throw new UserError(a.span(), fn + ": labels " + labels.type() + " do not match logits " + logits.type(),
                        List.of("give class indices i32" + ls.drop(last) + " or one-hot labels of shape " + ls));
            target = labels;
        }
        Value.Tensor logProbs = e.add(new Op.LogSoftmax(last), null, a.span(), logits);
        Value.Tensor product = e.add(new Op.Binary(BinaryFn.MUL), null, a.span(), target, logProbs);
        Value.Tensor summed = e.add(new Op.Reduce(ReduceFn.SUM, List.of(last), false), null, a.span(), product);
        boolean none = reduction.equals("none");
        Value.Tensor perExample = e.add(new Op.Unary(UnaryFn.NEG), none ? name : null, a.span(), summed);
        if (none) return perExample;
        List<Integer> all = IntStream.range(0, perExample.type().rank()).boxed().toList();
        return e.add(new Op.Reduce(reduction.equals("mean") ? ReduceFn.MEAN : ReduceFn.SUM, all, false), name, a.span(), perExample);
    }
}
