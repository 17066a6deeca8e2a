package dev.netc.ir.eval;

/** Row-major index arithmetic shared by the interpreter's kernels. */
final class Indexing {
    private Indexing() {}

    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /**
     * For every element of {@code to}, the offset of the element of {@code from} that numpy
     * broadcasting reads (shapes right-aligned; size-1 and missing dimensions repeat).
     */
    static int[] broadcastMap(int[] from, int[] to) {
        int rank = to.length, lead = rank - from.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast rank " + from.length + " to rank " + rank);
        int[] fromStrides = strides(from);
        int[] step = new int[rank];
        for (int i = 0; i < rank; i++) {
            if (i < lead) continue;
            int f = from[i - lead];
            if (f != 1 && f != to[i]) throw new IllegalArgumentException("dimension " + f + " does not broadcast to " + to[i]);
            step[i] = f == 1 ? 0 : fromStrides[i - lead];
        }
        int n = DTensor.count(to);
        int[] map = new int[n];
        int[] idx = new int[rank];
        int off = 0;
        for (int k = 0; k < n; k++) {
            map[k] = off;
            for (int i = rank - 1; i >= 0; i--) {
                idx[i]++;
                off += step[i];
                if (idx[i] < to[i]) break;
                off -= step[i] * idx[i];
                idx[i] = 0;
            }
        }
        return map;
    }

    /** The product of the dimensions in [from, to). */
    static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }
}
