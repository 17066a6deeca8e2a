package dev.netc.frontend;

import dev.netc.ir.Init;
import dev.netc.ir.TensorType;
import java.util.List;

/** What an expression evaluates to while a model is elaborated. */
sealed interface Value {

    /** A graph node. */
    record Tensor(int id, TensorType type) implements Value {}

    record Num(double value) implements Value {
        boolean isInt() { return value == Math.rint(value) && Math.abs(value) <= Integer.MAX_VALUE; }
    }

    /** A bare name that is not bound: a keyword-like argument (same, relu, zeros, mnist) or a typo. */
    record Word(String name, SourceSpan span) implements Value {}

    record Str(String value) implements Value {}

    record ListV(List<Value> items) implements Value {
        public ListV { items = List.copyOf(items); }
    }

    record InitV(Init init) implements Value {}

    /** A weight penalty {@code l1 sum|w| + l2 sum w^2}, given to a layer as kernel_regularizer=l2(1e-4). */
    record RegularizerV(double l1, double l2) implements Value {}

    /** The value of something that failed; using it fails silently. */
    record Poison() implements Value {}

    Poison POISON = new Poison();

    /** For messages: "a tensor f32[B, 10]", "the number 3". */
    static String describe(Value v) {
        return switch (v) {
            case Tensor t -> "a tensor " + t.type();
            case Num n -> "the number " + format(n.value());
            case Word w -> "the name '" + w.name() + "'";
            case Str s -> "the string \"" + s.value() + "\"";
            case ListV l -> "a list";
            case InitV i -> "the initialiser " + i.init();
            case RegularizerV r -> "the regularizer l1=" + format(r.l1()) + " l2=" + format(r.l2());
            case Poison p -> "an erroneous value";
        };
    }

    static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
