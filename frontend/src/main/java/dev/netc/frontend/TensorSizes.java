package dev.netc.frontend;

import dev.netc.ir.Dim;
import dev.netc.ir.Shape;
import java.util.List;
import java.util.Locale;

/**
 * Every tensor lives in one Java array (and one device buffer of the same length), so a tensor has
 * at most {@link #MAX_ELEMENTS} elements. Shapes known at compile time are checked here, each as its
 * value is declared or computed; a shape with the batch symbol is checked for its known factor (the
 * size at batch 1), the rest is the runtime's to check once the batch is bound.
 */
final class TensorSizes {
    /** The largest array length the JVM allocates reliably (as the JDK's own {@code ArraysSupport.SOFT_MAX_ARRAY_LENGTH}). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorSizes() {}

    /** Fails when {@code shape} holds more elements than a tensor can; {@code what} names the tensor ("parameter 'w'"). */
    static void check(String what, Shape shape, SourceSpan span) {
        long known = 1;
        boolean symbolic = false;
        for (Dim d : shape.dims()) {
            switch (d) {
                case Dim.Known k -> known = saturatedTimes(known, k.size());
                case Dim.Sym s -> symbolic = true;
            }
        }
        if (known <= MAX_ELEMENTS) return;
        String count = known == Long.MAX_VALUE ? "more than 9.2e18" : String.format(Locale.US, "%,d", known);
        String message = what + " of shape " + shape + " has " + count + " elements" + (symbolic ? " at batch size 1" : "")
                + ", more than a tensor can hold (" + String.format(Locale.US, "%,d", MAX_ELEMENTS) + ", the largest Java array)";
        throw new UserError(span, message, List.of("netc keeps each tensor in one array; make this tensor smaller"));
    }

    private static long saturatedTimes(long a, long b) {
        long high = Math.multiplyHigh(a, b), low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }
}
