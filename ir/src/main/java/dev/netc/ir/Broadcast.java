package dev.netc.ir;

import java.util.ArrayList;
import java.util.List;

/** Numpy broadcasting over possibly symbolic shapes. */
public final class Broadcast {
    private Broadcast() {}

    /** The broadcast shape of a and b, or null when they are incompatible. */
    public static Shape shape(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        List<Dim> out = new ArrayList<>(rank);
        for (int i = 0; i < rank; i++) {
            Dim da = i < rank - a.rank() ? Dim.of(1) : a.dims().get(i - (rank - a.rank()));
            Dim db = i < rank - b.rank() ? Dim.of(1) : b.dims().get(i - (rank - b.rank()));
            if (da.equals(db) || db.isOne()) out.add(da);
            else if (da.isOne()) out.add(db);
            else return null;
        }
        return new Shape(out);
    }

    /** True when {@code from} broadcasts to exactly {@code to}. */
    public static boolean broadcastsTo(Shape from, Shape to) {
        Shape s = shape(from, to);
        return s != null && s.equals(to);
    }

}
