package dev.netc.ir.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense row-major tensor of doubles: the value type of the reference {@link Interpreter}. i32
 * values are stored as integral doubles. The arrays are not copied; treat a DTensor as immutable
 * once handed to someone else.
 */
public record DTensor(int[] shape, double[] data) {

    public DTensor {
        if (data.length != count(shape))
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count(shape)
                    + " values, got " + data.length);
    }

    public static DTensor of(int[] shape, double... data) { return new DTensor(shape.clone(), data); }

    public static DTensor scalar(double value) { return new DTensor(new int[0], new double[] {value}); }

    public static DTensor zeros(int... shape) { return new DTensor(shape.clone(), new double[count(shape)]); }

    public static DTensor filled(double value, int... shape) {
        double[] d = new double[count(shape)];
        Arrays.fill(d, value);
        return new DTensor(shape.clone(), d);
    }

    /** Uniform random values in [lo, hi). */
    public static DTensor random(int[] shape, SplittableRandom rng, double lo, double hi) {
        double[] d = new double[count(shape)];
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextDouble();
        return new DTensor(shape.clone(), d);
    }

    public int rank() { return shape.length; }

    public int size() { return data.length; }

    /** The element at a multi-index (row-major). */
    public double get(int... index) { return data[offset(index)]; }

    /** The row-major offset of a multi-index, bounds-checked. */
    public int offset(int... index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("index of rank " + index.length + " for shape " + Arrays.toString(shape));
        int off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + Arrays.toString(shape));
            off = off * shape[i] + index[i];
        }
        return off;
    }

    /** A copy whose data may be modified freely. */
    public DTensor copy() { return new DTensor(shape.clone(), data.clone()); }

    /** Number of elements of a shape. */
    public static int count(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return (int) n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof DTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data); }

    @Override public String toString() {
        String values = data.length <= 16 ? Arrays.toString(data) : "[" + data.length + " values]";
        return "DTensor" + Arrays.toString(shape) + values;
    }
}
