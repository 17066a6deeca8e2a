package dev.netc.ir;

import java.util.Map;

/** One dimension of a shape: a known size, or a symbol (such as the batch size B) bound at run time. */
public sealed interface Dim permits Dim.Known, Dim.Sym {

    record Known(int size) implements Dim {
        public Known {
            if (size < 0) throw new IllegalArgumentException("negative dimension " + size);
        }
        @Override public String toString() { return Integer.toString(size); }
    }

    record Sym(String name) implements Dim {
        @Override public String toString() { return name; }
    }

    static Dim of(int size) { return new Known(size); }

    /** True for a dimension known to be 1 (it broadcasts and never varies). */
    default boolean isOne() { return this instanceof Known k && k.size() == 1; }

    static Dim sym(String name) { return new Sym(name); }

    default boolean isKnown() { return this instanceof Known; }

    /** The size of this dimension once the symbols are bound. */
    default int bind(Map<String, Integer> bindings) {
        return switch (this) {
            case Known k -> k.size();
            case Sym s -> {
                Integer v = bindings.get(s.name());
                if (v == null) throw new IllegalArgumentException("dimension symbol " + s.name() + " is not bound");
                yield v;
            }
        };
    }
}
