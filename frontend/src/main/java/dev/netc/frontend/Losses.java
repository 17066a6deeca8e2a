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

/**
 * Loss functions, built from primitive ops so that autodiff needs no special cases. Each computes a
 * per-example loss over dimension 0 (the batch) and then reduces it: {@code reduction=mean} (the
 * default), {@code sum} or {@code none} (the per-example vector). Their names and parameters are
 * entries of {@link Builtins#TABLE}.
 */
final class Losses {
    private Losses() {}

    /** Keras' clipping of probabilities before the log (backend.epsilon()). */
    private static final double PROBABILITY_EPSILON = 1e-7;

    /** categorical_cross_entropy(probs, labels, from_logits=false): from_logits makes it softmax_cross_entropy. */
    static Value categoricalCrossEntropy(Emitter e, Args a, String name) {
        return a.bool("from_logits", false) ? softmaxCrossEntropy(e, a, name, "probs") : categorical(e, a, name, false);
    }

    /** nll(log_probs, labels). */
    static Value nll(Emitter e, Args a, String name) {
        return categorical(e, a, name, true);
    }

    /** -sum(onehot(labels) * log_softmax(logits), axis=-1), then reduced over the batch. */
    static Value softmaxCrossEntropy(Emitter e, Args a, String name, String predictionArg) {
        Value.Tensor logits = a.tensor(predictionArg);
        Value.Tensor target = target(e, a, logits, predictionArg);
        int last = logits.type().rank() - 1;
        Value.Tensor logProbs = e.add(new Op.LogSoftmax(last), null, a.span(), logits);
        return negatedSum(e, a, target, logProbs, name);
    }

    /** nll: -sum(labels * log_probs); categorical: -sum(labels * log(clip(probs, eps, 1 - eps))). */
    private static Value categorical(Emitter e, Args a, String name, boolean givenLogs) {
        String arg = givenLogs ? "log_probs" : "probs";
        Value.Tensor p = a.tensor(arg);
        Value.Tensor target = target(e, a, p, arg);
        Value.Tensor logs = p;
        if (!givenLogs) {
            Value.Tensor low = e.add(new Op.Binary(BinaryFn.MAX), null, a.span(), p, e.scalar(PROBABILITY_EPSILON, p.type()));
            Value.Tensor clipped = e.add(new Op.Binary(BinaryFn.MIN), null, a.span(), low, e.scalar(1 - PROBABILITY_EPSILON, p.type()));
            logs = e.add(new Op.Unary(UnaryFn.LOG), null, a.span(), clipped);
        }
        return negatedSum(e, a, target, logs, name);
    }

    /** Per element softplus(x) - x z (= -z log sigmoid(x) - (1 - z) log(1 - sigmoid(x)), stably); mean per example. */
    static Value sigmoidCrossEntropy(Emitter e, Args a, String name) {
        Value.Tensor logits = a.tensor("logits"), labels = a.tensor("labels");
        sameFloatShape(a, "sigmoid_cross_entropy", logits, labels, "logits", "labels");
        Value.Tensor soft = e.add(new Op.Unary(UnaryFn.SOFTPLUS), null, a.span(), logits);
        Value.Tensor xz = e.add(new Op.Binary(BinaryFn.MUL), null, a.span(), logits, labels);
        Value.Tensor each = e.add(new Op.Binary(BinaryFn.SUB), null, a.span(), soft, xz);
        return reduce(e, a, perExampleMean(e, a, each), name);
    }

    /** Mean over each example of (predictions - targets)^2, then reduced over the batch (Keras' MSE). */
    static Value meanSquaredError(Emitter e, Args a, String name) {
        Value.Tensor p = a.tensor("predictions"), t = a.tensor("targets");
        sameFloatShape(a, a.function(), p, t, "predictions", "targets");
        Value.Tensor diff = e.add(new Op.Binary(BinaryFn.SUB), null, a.span(), p, t);
        Value.Tensor sq = e.add(new Op.Unary(UnaryFn.SQUARE), null, a.span(), diff);
        return reduce(e, a, perExampleMean(e, a, sq), name);
    }

    private static void sameFloatShape(Args a, String fn, Value.Tensor p, Value.Tensor t, String pn, String tn) {
        if (!p.type().dtype().isFloat()) throw a.error(pn, pn + " must be a float tensor, got " + p.type());
        if (!p.type().equals(t.type()))
            throw new UserError(a.span(), fn + ": " + tn + " " + t.type() + " do not match " + pn + " " + p.type(),
                    List.of("both must have the same element type and shape"));
        if (p.type().rank() < 1) throw a.error(pn, pn + " must have a batch dimension, got " + p.type());
    }

    /** The per-class target: one_hot(labels) for i32 class indices, else the float labels of the prediction's shape. */
    private static Value.Tensor target(Emitter e, Args a, Value.Tensor prediction, String predictionArg) {
        Value.Tensor labels = a.tensor("labels");
        String fn = a.function();
        Shape ls = prediction.type().shape(), ys = labels.type().shape();
        if (ls.rank() < 1 || !(ls.dim(-1) instanceof Dim.Known classes))
            throw new UserError(a.span(predictionArg), fn + ": " + predictionArg + " must end in a known number of classes, got " + ls);
        if (!prediction.type().dtype().isFloat())
            throw new UserError(a.span(predictionArg), fn + ": " + predictionArg + " must be a float tensor, got " + prediction.type());
        int last = ls.rank() - 1;
        if (labels.type().dtype() == DType.I32) {
            if (!ys.equals(ls.drop(last)))
                throw new UserError(a.span(), fn + ": i32 labels must have shape " + ls.drop(last) + " for " + predictionArg + " " + ls + ", got " + ys,
                        List.of("give class indices of shape " + ls.drop(last) + " or one-hot float labels of shape " + ls));
            if (prediction.type().dtype() != DType.F32)
                throw new UserError(a.span(predictionArg), fn + ": i32 labels need f32 " + predictionArg + ", got " + prediction.type());
            return e.add(new Op.OneHot(classes.size()), null, a.span(), labels);
        }
        if (!ys.equals(ls) || labels.type().dtype() != prediction.type().dtype())
            throw new UserError(a.span(), fn + ": labels " + labels.type() + " do not match " + predictionArg + " " + prediction.type(),
                    List.of("give class indices i32" + ls.drop(last) + " or one-hot labels of shape " + ls));
        return labels;
    }

    /** -sum(target * logs, axis=-1), reduced over the batch. */
    private static Value negatedSum(Emitter e, Args a, Value.Tensor target, Value.Tensor logs, String name) {
        int last = logs.type().rank() - 1;
        Value.Tensor product = e.add(new Op.Binary(BinaryFn.MUL), null, a.span(), target, logs);
        Value.Tensor summed = e.add(new Op.Reduce(ReduceFn.SUM, List.of(last), false), null, a.span(), product);
        return reduce(e, a, e.add(new Op.Unary(UnaryFn.NEG), null, a.span(), summed), name);
    }

    /** The mean over every dimension but the first; a rank-1 value is already per example. */
    private static Value.Tensor perExampleMean(Emitter e, Args a, Value.Tensor x) {
        if (x.type().rank() < 2) return x;
        List<Integer> rest = IntStream.range(1, x.type().rank()).boxed().toList();
        return e.add(new Op.Reduce(ReduceFn.MEAN, rest, false), null, a.span(), x);
    }

    /** mean, sum or none over the per-example losses. */
    private static Value reduce(Emitter e, Args a, Value.Tensor perExample, String name) {
        String reduction = a.word("reduction", "mean", "mean", "sum", "none");
        if (reduction.equals("none")) {
            return perExample.type().rank() == 0 ? perExample
                    : e.add(new Op.Reshape(perExample.type().shape()), name, a.span(), perExample);
        }
        List<Integer> all = IntStream.range(0, perExample.type().rank()).boxed().toList();
        return e.add(new Op.Reduce(reduction.equals("mean") ? ReduceFn.MEAN : ReduceFn.SUM, all, false), name, a.span(), perExample);
    }
}
