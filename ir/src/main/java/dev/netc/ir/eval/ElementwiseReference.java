package dev.netc.ir.eval;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.UnaryFn;
import java.util.SplittableRandom;

/** Elementwise and broadcasting kernels of the reference interpreter. */
final class ElementwiseReference {
    private ElementwiseReference() {}

    static DTensor unary(UnaryFn fn, DTensor x) {
        double[] out = new double[x.size()];
        for (int i = 0; i < out.length; i++) out[i] = fn.apply(x.data()[i]);
        return new DTensor(x.shape().clone(), out);
    }

    static DTensor binary(BinaryFn fn, DTensor a, DTensor b, int[] outShape) {
        int[] ma = Indexing.broadcastMap(a.shape(), outShape), mb = Indexing.broadcastMap(b.shape(), outShape);
        double[] out = new double[ma.length];
        for (int i = 0; i < out.length; i++) out[i] = fn.apply(a.data()[ma[i]], b.data()[mb[i]]);
        return new DTensor(outShape, out);
    }

    static DTensor broadcastTo(DTensor x, int[] target) {
        int[] map = Indexing.broadcastMap(x.shape(), target);
        double[] out = new double[map.length];
        for (int i = 0; i < out.length; i++) out[i] = x.data()[map[i]];
        return new DTensor(target, out);
    }

    /** Sums every element of x into the element of target it was broadcast from. */
    static DTensor sumTo(DTensor x, int[] target) {
        int[] map = Indexing.broadcastMap(target, x.shape());
        double[] out = new double[DTensor.count(target)];
        for (int i = 0; i < map.length; i++) out[map[i]] += x.data()[i];
        return new DTensor(target, out);
    }

    /** Inverted dropout: 0 with probability rate, else 1/(1-rate); all ones outside training. */
    static DTensor dropoutMask(double rate, int[] shape, boolean training, SplittableRandom rng) {
        double[] out = new double[DTensor.count(shape)];
        double keep = 1 / (1 - rate);
        for (int i = 0; i < out.length; i++) out[i] = !training ? 1 : rng.nextDouble() < rate ? 0 : keep;
        return new DTensor(shape, out);
    }
}
