package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.List;

/**
 * The batch_norm layer (Keras' BatchNormalization over axis 1, the channels of NCHW or the features of
 * [B, F]). Trainable {@code gamma} and {@code beta}; non-trainable {@code moving_mean} and
 * {@code moving_variance}. While training it normalises with the batch's mean and (biased) variance,
 * at inference with the moving statistics; a {@code train_select} op picks between them. Each moving
 * statistic's next value {@code momentum * moving + (1 - momentum) * batch} is an {@code update/}
 * graph output that the training backend copies into the parameter after every step.
 */
final class BatchNorm {
    private BatchNorm() {}

    static Value layer(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        double momentum = a.number("momentum", 0.99), epsilon = a.number("epsilon", 1e-3);
        if (!(momentum >= 0 && momentum < 1)) throw a.error("momentum", "momentum must be in [0, 1), got " + Value.format(momentum));
        if (!(epsilon > 0)) throw a.error("epsilon", "epsilon must be positive, got " + Value.format(epsilon));
        boolean center = a.bool("center", true), scale = a.bool("scale", true);
        Shape xs = x.type().shape();
        if (!x.type().dtype().isFloat()) throw a.error("x", "input must be a float tensor, got " + x.type());
        if (xs.rank() < 2) throw a.error("x", "input must be [B, features] or [B, C, H, W], got " + xs);
        if (!(xs.dim(1) instanceof Dim.Known channels))
            throw a.error("x", "dimension 1 (the channels) must be known at compile time, got " + xs);
        int c = channels.size();
        String layer = Layers.layerName(f, a, "batch_normalization");
        SourceSpan at = a.span();
        List<Integer> axes = new ArrayList<>();
        List<Dim> keptDims = new ArrayList<>();
        for (int i = 0; i < xs.rank(); i++) {
            if (i != 1) axes.add(i);
            keptDims.add(i == 1 ? Dim.of(c) : Dim.of(1));
        }
        Shape kept = new Shape(keptDims);
        TensorType vector = x.type().withShape(Shape.of(c));

        Value.Tensor gamma = scale ? e.parameter(layer + "/gamma", vector, new Init.Ones(), true, at) : null;
        Value.Tensor beta = center ? e.parameter(layer + "/beta", vector, new Init.Zeros(), true, at) : null;
        Value.Tensor movingMean = e.parameter(layer + "/moving_mean", vector, new Init.Zeros(), false, at);
        Value.Tensor movingVar = e.parameter(layer + "/moving_variance", vector, new Init.Ones(), false, at);

        Value.Tensor batchMean = e.add(new Op.Reduce(ReduceFn.MEAN, axes, true), null, at, x);
        Value.Tensor centered = e.add(new Op.Binary(BinaryFn.SUB), null, at, x, batchMean);
        Value.Tensor batchVar = e.add(new Op.Reduce(ReduceFn.MEAN, axes, true), null, at,
                e.add(new Op.Unary(UnaryFn.SQUARE), null, at, centered));
        Value.Tensor mean = e.add(new Op.TrainSelect(), null, at, batchMean, reshape(e, movingMean, kept, at));
        Value.Tensor var = e.add(new Op.TrainSelect(), null, at, batchVar, reshape(e, movingVar, kept, at));
        Value.Tensor std = e.add(new Op.Unary(UnaryFn.SQRT), null, at,
                e.add(new Op.Binary(BinaryFn.ADD), null, at, var, e.scalar(epsilon, x.type())));
        Value.Tensor factor = e.add(new Op.Unary(UnaryFn.RECIPROCAL), null, at, std);
        if (scale) factor = e.add(new Op.Binary(BinaryFn.MUL), null, at, factor, reshape(e, gamma, kept, at));
        Value.Tensor y = e.add(new Op.Binary(BinaryFn.MUL), center ? null : name, at,
                e.add(new Op.Binary(BinaryFn.SUB), null, at, x, mean), factor);
        if (center) y = e.add(new Op.Binary(BinaryFn.ADD), name, at, y, reshape(e, beta, kept, at));

        e.movingUpdate(movingMean, movingAverage(e, movingMean, batchMean, momentum, at));
        e.movingUpdate(movingVar, movingAverage(e, movingVar, batchVar, momentum, at));
        long trainable = (scale ? c : 0) + (center ? c : 0);
        e.row(layer, "BatchNormalization", y.type().shape(), trainable, 2L * c);
        return y;
    }

    private static Value.Tensor reshape(Emitter e, Value.Tensor v, Shape target, SourceSpan at) {
        return e.add(new Op.Reshape(target), null, at, v);
    }

    /** momentum * moving + (1 - momentum) * batch, shaped like the parameter. */
    private static Value.Tensor movingAverage(Emitter e, Value.Tensor moving, Value.Tensor batch, double momentum, SourceSpan at) {
        Value.Tensor keep = e.add(new Op.Binary(BinaryFn.MUL), null, at, moving, e.scalar(momentum, moving.type()));
        Value.Tensor flat = reshape(e, batch, moving.type().shape(), at);
        Value.Tensor fresh = e.add(new Op.Binary(BinaryFn.MUL), null, at, flat, e.scalar(1 - momentum, moving.type()));
        return e.add(new Op.Binary(BinaryFn.ADD), null, at, keep, fresh);
    }
}
