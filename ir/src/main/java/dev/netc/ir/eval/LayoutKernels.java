package dev.netc.ir.eval;

import java.util.List;

/** Layout kernels: transpose and one-hot (reshape only relabels the shape). */
final class LayoutKernels {
    private LayoutKernels() {}

    /** out[i_0, ..., i_r] = x[j] with j[perm[k]] = i_k. */
    static DTensor transpose(DTensor x, List<Integer> perm) {
        int rank = x.rank();
        int[] inStrides = Indexing.strides(x.shape());
        int[] outShape = new int[rank], step = new int[rank];
        for (int k = 0; k < rank; k++) {
            outShape[k] = x.shape()[perm.get(k)];
            step[k] = inStrides[perm.get(k)];
        }
        double[] out = new double[x.size()];
        int[] idx = new int[rank];
        int off = 0;
        for (int n = 0; n < out.length; n++) {
            out[n] = x.data()[off];
            for (int k = rank - 1; k >= 0; k--) {
                idx[k]++;
                off += step[k];
                if (idx[k] < outShape[k]) break;
                off -= step[k] * idx[k];
                idx[k] = 0;
            }
        }
        return new DTensor(outShape, out);
    }

    /** A row of depth per index with a 1 at the index; an out-of-range index gives a zero row. */
    static DTensor oneHot(DTensor indices, int depth, int[] outShape) {
        double[] out = new double[indices.size() * depth];
        for (int i = 0; i < indices.size(); i++) {
            double v = indices.data()[i];
            if (v >= 0 && v < depth && v == Math.rint(v)) out[i * depth + (int) v] = 1;
        }
        return new DTensor(outShape, out);
    }
}
