package dev.netc.ir.eval;

import java.util.List;

/** Layout kernels: transpose, one-hot, concat and slice (reshape only relabels the shape). */
final class LayoutReference {
    private LayoutReference() {}

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

    /** Operands joined along axis: each is viewed as [outer, len_k, inner] and copied into its range. */
    static DTensor concat(List<DTensor> parts, int axis, int[] outShape) {
        int outer = Indexing.product(outShape, 0, axis), inner = Indexing.product(outShape, axis + 1, outShape.length);
        int total = outShape[axis];
        double[] out = new double[DTensor.count(outShape)];
        int offset = 0;
        for (DTensor p : parts) {
            int len = p.shape()[axis];
            for (int o = 0; o < outer; o++)
                System.arraycopy(p.data(), o * len * inner, out, (o * total + offset) * inner, len * inner);
            offset += len;
        }
        return new DTensor(outShape, out);
    }

    /** The elements [start, start + outShape[axis]) along axis. */
    static DTensor slice(DTensor x, int axis, int start, int[] outShape) {
        int outer = Indexing.product(outShape, 0, axis), inner = Indexing.product(outShape, axis + 1, outShape.length);
        int len = outShape[axis], full = x.shape()[axis];
        double[] out = new double[DTensor.count(outShape)];
        for (int o = 0; o < outer; o++)
            System.arraycopy(x.data(), (o * full + start) * inner, out, o * len * inner, len * inner);
        return new DTensor(outShape, out);
    }

    /** Row ids[p] of the table [V, D] for each position p; a zero row for an id outside 0..V-1. */
    static DTensor gather(DTensor table, DTensor ids, int[] outShape) {
        int rows = table.shape()[0], d = table.shape()[1];
        double[] out = new double[DTensor.count(outShape)];
        for (int p = 0; p < ids.size(); p++) {
            double id = ids.data()[p];
            if (id >= 0 && id < rows) System.arraycopy(table.data(), (int) id * d, out, p * d, d);
        }
        return new DTensor(outShape, out);
    }

    /** Row v sums dy[p] over the positions p whose id is v, in increasing p (ids out of range add nothing). */
    static DTensor gatherGrad(DTensor ids, DTensor dy, int[] outShape) {
        int rows = outShape[0], d = outShape[1];
        double[] out = new double[rows * d];
        for (int p = 0; p < ids.size(); p++) {
            double id = ids.data()[p];
            if (id >= 0 && id < rows)
                for (int k = 0; k < d; k++) out[(int) id * d + k] += dy.data()[p * d + k];
        }
        return new DTensor(outShape, out);
    }
}
