package dev.netc.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** A tensor shape; dimensions may be symbolic. Rank 0 is a scalar. */
public record Shape(List<Dim> dims) {

    public static final Shape SCALAR = new Shape(List.of());

    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape of(int... sizes) {
        return new Shape(Arrays.stream(sizes).mapToObj(Dim::of).toList());
    }

    public static Shape of(Dim... dims) { return new Shape(List.of(dims)); }

    public int rank() { return dims.size(); }

    public Dim dim(int axis) { return dims.get(axis < 0 ? dims.size() + axis : axis); }

    /** The size of a known dimension; fails for a symbolic one. */
    public int size(int axis) {
        return switch (dim(axis)) {
            case Dim.Known k -> k.size();
            case Dim.Sym s -> throw new IllegalStateException("dimension " + axis + " of " + this + " is symbolic");
        };
    }

    public boolean isFullyKnown() { return dims.stream().allMatch(Dim::isKnown); }

    public Shape with(int axis, Dim d) {
        List<Dim> copy = new ArrayList<>(dims);
        copy.set(axis < 0 ? dims.size() + axis : axis, d);
        return new Shape(copy);
    }

    public Shape drop(int axis) {
        List<Dim> copy = new ArrayList<>(dims);
        copy.remove(axis < 0 ? dims.size() + axis : axis);
        return new Shape(copy);
    }

    /** Concrete sizes once symbols are bound. */
    public int[] bind(Map<String, Integer> bindings) {
        return dims.stream().mapToInt(d -> d.bind(bindings)).toArray();
    }

    /** Number of elements once symbols are bound. */
    public long elementCount(Map<String, Integer> bindings) {
        long n = 1;
        for (Dim d : dims) n *= d.bind(bindings);
        return n;
    }

    /** The element count as a symbolic product: the known factor and the symbols (with multiplicity). */
    public Volume volume() {
        long known = 1;
        TreeMap<String, Integer> syms = new TreeMap<>();
        for (Dim d : dims) {
            switch (d) {
                case Dim.Known k -> known *= k.size();
                case Dim.Sym s -> syms.merge(s.name(), 1, Integer::sum);
            }
        }
        return new Volume(known, syms);
    }

    /** A symbolic element count: {@code known * product(sym^power)}. */
    public record Volume(long known, Map<String, Integer> symbols) {
        public Optional<Volume> divide(Volume other) {
            if (other.known == 0 || known % other.known != 0) return Optional.empty();
            TreeMap<String, Integer> rest = new TreeMap<>(symbols);
            for (var e : other.symbols.entrySet()) {
                int have = rest.getOrDefault(e.getKey(), 0);
                if (have < e.getValue()) return Optional.empty();
                if (have == e.getValue()) rest.remove(e.getKey()); else rest.put(e.getKey(), have - e.getValue());
            }
            return Optional.of(new Volume(known / other.known, rest));
        }
    }

    @Override
    public String toString() {
        return dims.stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** This shape with the given axes set to 1: a reduction's result with its dimensions kept. */
    public Shape withUnitAxes(List<Integer> axes) {
        List<Dim> out = new ArrayList<>(dims);
        for (int a : axes) out.set(a, Dim.of(1));
        return new Shape(out);
    }

    /** This shape right-aligned to a higher rank with leading 1s, as numpy broadcasting sees it. */
    public Shape padToRank(int rank) {
        List<Dim> out = new ArrayList<>();
        for (int i = rank(); i < rank; i++) out.add(Dim.of(1));
        out.addAll(dims);
        return new Shape(out);
    }
}
