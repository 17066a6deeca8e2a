package dev.netc.ir.eval;

import dev.netc.ir.ReduceFn;
import java.util.Arrays;
import java.util.List;

/** Reductions over axes and along one axis (softmax, log_softmax, argmax). */
final class ReduceReference {
    private ReduceReference() {}

    /** Reduces x over axes; outShape is the node's shape (with or without kept size-1 dims: same data order). */
    static DTensor reduce(ReduceFn fn, DTensor x, List<Integer> axes, int[] outShape) {
        int[] kept = x.shape().clone();
        int count = 1;
        for (int a : axes) {
            count *= kept[a];
            kept[a] = 1;
        }
        int[] map = Indexing.broadcastMap(kept, x.shape());
        double[] out = new double[DTensor.count(kept)];
        if (fn == ReduceFn.MAX) Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < map.length; i++) {
            double v = x.data()[i];
            out[map[i]] = fn == ReduceFn.MAX ? Math.max(out[map[i]], v) : out[map[i]] + v;
        }
        if (fn == ReduceFn.MEAN) for (int i = 0; i < out.length; i++) out[i] /= count;
        return new DTensor(outShape, out);
    }

    /** x viewed as [outer, n, inner] around the axis. */
    private record Around(int outer, int n, int inner) {
        static Around of(int[] shape, int axis) {
            return new Around(Indexing.product(shape, 0, axis), shape[axis], Indexing.product(shape, axis + 1, shape.length));
        }
        int at(int o, int k, int i) { return (o * n + k) * inner + i; }
    }

    /** Softmax (log=false) or log-softmax (log=true) along axis, max-subtracted for stability. */
    static DTensor softmax(DTensor x, int axis, boolean log) {
        Around g = Around.of(x.shape(), axis);
        double[] d = x.data(), out = new double[d.length];
        for (int o = 0; o < g.outer; o++)
            for (int i = 0; i < g.inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < g.n; k++) max = Math.max(max, d[g.at(o, k, i)]);
                double sum = 0;
                for (int k = 0; k < g.n; k++) sum += Math.exp(d[g.at(o, k, i)] - max);
                double logSum = Math.log(sum);
                for (int k = 0; k < g.n; k++) {
                    double shifted = d[g.at(o, k, i)] - max;
                    out[g.at(o, k, i)] = log ? shifted - logSum : Math.exp(shifted) / sum;
                }
            }
        return new DTensor(x.shape().clone(), out);
    }

    /** Index of the first largest element along axis; the axis is dropped. */
    static DTensor argmax(DTensor x, int axis, int[] outShape) {
        Around g = Around.of(x.shape(), axis);
        double[] d = x.data(), out = new double[g.outer * g.inner];
        for (int o = 0; o < g.outer; o++)
            for (int i = 0; i < g.inner; i++) {
                int best = 0;
                for (int k = 1; k < g.n; k++) if (d[g.at(o, k, i)] > d[g.at(o, best, i)]) best = k;
                out[o * g.inner + i] = best;
            }
        return new DTensor(outShape, out);
    }

    /** (x - mean) / sqrt(var + eps) along the last axis, the variance biased. */
    static DTensor layerNorm(DTensor x, double eps) {
        int d = x.shape()[x.rank() - 1];
        double[] out = new double[x.size()];
        for (int base = 0; base < x.size(); base += d) {
            double[] stats = rowStats(x.data(), base, d, eps);
            for (int k = 0; k < d; k++) out[base + k] = (x.data()[base + k] - stats[0]) * stats[1];
        }
        return new DTensor(x.shape().clone(), out);
    }

    /** dx = rstd (dy - mean(dy) - xhat mean(dy xhat)) along the last axis. */
    static DTensor layerNormGrad(DTensor x, DTensor dy, double eps) {
        int d = x.shape()[x.rank() - 1];
        double[] out = new double[x.size()];
        for (int base = 0; base < x.size(); base += d) {
            double[] stats = rowStats(x.data(), base, d, eps);
            double dsum = 0, dxsum = 0;
            for (int k = 0; k < d; k++) {
                double xhat = (x.data()[base + k] - stats[0]) * stats[1];
                dsum += dy.data()[base + k];
                dxsum += dy.data()[base + k] * xhat;
            }
            for (int k = 0; k < d; k++) {
                double xhat = (x.data()[base + k] - stats[0]) * stats[1];
                out[base + k] = stats[1] * (dy.data()[base + k] - dsum / d - xhat * dxsum / d);
            }
        }
        return new DTensor(x.shape().clone(), out);
    }

    /** The mean and 1 / sqrt(variance + eps) of one row. */
    private static double[] rowStats(double[] x, int base, int d, double eps) {
        double mean = 0;
        for (int k = 0; k < d; k++) mean += x[base + k];
        mean /= d;
        double var = 0;
        for (int k = 0; k < d; k++) var += (x[base + k] - mean) * (x[base + k] - mean);
        var /= d;
        return new double[] {mean, 1 / Math.sqrt(var + eps)};
    }
}
