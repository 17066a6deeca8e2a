package dev.netc.frontend;

import dev.netc.ir.Init;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The arguments of one call bound to a function's parameters, with typed accessors that fail with
 * messages naming the function and the argument. Parameter specs are names; a trailing '?' marks an
 * optional one.
 */
final class Args {
    private record Bound(Value value, Ast.Expr expr) {}

    private final String function;
    private final Ast.Call call;
    private final Map<String, Bound> bound;
    private final Function<Value.Word, UserError> unknownName;

    private Args(String function, Ast.Call call, Map<String, Bound> bound, Function<Value.Word, UserError> unknownName) {
        this.function = function;
        this.call = call;
        this.bound = bound;
        this.unknownName = unknownName;
    }

    /** Binds positional then named arguments; {@code values} are the evaluated arguments in call order. */
    static Args bind(Ast.Call call, List<Value> values, Function<Value.Word, UserError> unknownName, String... specs) {
        String fn = call.callee().name();
        List<String> names = Arrays.stream(specs).map(s -> s.endsWith("?") ? s.substring(0, s.length() - 1) : s).toList();
        Map<String, Bound> bound = new LinkedHashMap<>();
        boolean sawNamed = false;
        int position = 0;
        for (int i = 0; i < call.args().size(); i++) {
            Ast.Arg a = call.args().get(i);
            if (a.name() == null) {
                if (sawNamed) throw new UserError(a.span(), fn + ": positional argument after named arguments");
                if (position >= names.size())
                    throw new UserError(a.span(), fn + ": too many arguments (takes at most " + names.size()
                            + (names.isEmpty() ? ")" : ": " + String.join(", ", names) + ")"));
                bound.put(names.get(position++), new Bound(values.get(i), a.value()));
            } else {
                sawNamed = true;
                String n = a.name().name();
                if (!names.contains(n)) {
                    List<String> notes = new ArrayList<>(Names.suggest(n, names));
                    throw new UserError(a.name().span(), fn + ": unknown argument '" + n + "'"
                            + (names.isEmpty() ? " (takes no arguments)" : " (expected one of: " + String.join(", ", names) + ")"), notes);
                }
                if (bound.containsKey(n)) throw new UserError(a.name().span(), fn + ": argument '" + n + "' given twice");
                bound.put(n, new Bound(values.get(i), a.value()));
            }
        }
        for (int i = 0; i < specs.length; i++)
            if (!specs[i].endsWith("?") && !bound.containsKey(names.get(i)))
                throw new UserError(call.span(), fn + ": missing required argument '" + names.get(i) + "'");
        return new Args(fn, call, bound, unknownName);
    }

    String function() { return function; }

    Ast.Call call() { return call; }

    SourceSpan span() { return call.span(); }

    boolean has(String name) { return bound.containsKey(name); }

    SourceSpan span(String name) { return bound.containsKey(name) ? bound.get(name).expr().span() : call.span(); }

    Ast.Expr expr(String name) { return bound.get(name).expr(); }

    /** The raw value; poison aborts the statement silently. */
    Value value(String name) {
        Value v = bound.get(name).value();
        if (v instanceof Value.Poison) throw Poisoned.INSTANCE;
        return v;
    }

    UserError error(String name, String message) { return new UserError(span(name), function + ": " + message); }

    private UserError mismatch(String name, String expected, Value got) {
        if (got instanceof Value.Word w && expected.startsWith("a tensor")) return unknownName.apply(w);
        return error(name, "argument '" + name + "' must be " + expected + ", got " + Value.describe(got));
    }

    Value.Tensor tensor(String name) {
        Value v = value(name);
        if (v instanceof Value.Tensor t) return t;
        throw mismatch(name, "a tensor", v);
    }

    double number(String name, double fallback) {
        if (!has(name)) return fallback;
        Value v = value(name);
        if (v instanceof Value.Num n) return n.value();
        throw mismatch(name, "a number", v);
    }

    int integer(String name, int fallback) {
        if (!has(name)) return fallback;
        Value v = value(name);
        if (v instanceof Value.Num n && n.isInt()) return (int) n.value();
        throw mismatch(name, "an integer", v);
    }

    int positiveInt(String name, int fallback) {
        int n = integer(name, fallback);
        if (n <= 0) throw error(name, "argument '" + name + "' must be positive, got " + n);
        return n;
    }

    boolean bool(String name, boolean fallback) {
        if (!has(name)) return fallback;
        String w = word(name, null, "true", "false");
        return w.equals("true");
    }

    /** A keyword-like argument such as padding=same; a bound name whose spelling is allowed counts too. */
    String word(String name, String fallback, String... allowed) {
        if (!has(name)) return fallback;
        Value v = value(name);
        String w = v instanceof Value.Word word ? word.name()
                : v instanceof Value.Str s ? s.value()
                : bound.get(name).expr() instanceof Ast.Name n ? n.name() : null;
        if (w != null && Arrays.asList(allowed).contains(w)) return w;
        String expected = String.join(", ", allowed);
        if (w != null) throw new UserError(span(name), function + ": argument '" + name + "' must be one of " + expected
                + ", got '" + w + "'", Names.suggest(w, Arrays.asList(allowed)));
        throw mismatch(name, "one of " + expected, v);
    }

    String string(String name, String fallback) {
        if (!has(name)) return fallback;
        Value v = value(name);
        if (v instanceof Value.Str s) return s.value();
        if (v instanceof Value.Word w) return w.name();
        throw mismatch(name, "a string", v);
    }

    Init init(String name, Init fallback) {
        if (!has(name)) return fallback;
        Value v = value(name);
        return InitializerSyntax.of(v, span(name)).orElseThrow(() -> {
            List<String> notes = v instanceof Value.Num n ? List.of("write constant(" + Value.format(n.value()) + ")") : List.of();
            return new UserError(span(name), function + ": argument '" + name
                    + "' must be an initialiser (zeros, ones, constant(v), normal(stddev), truncated_normal(stddev), "
                    + "uniform(low, high), glorot_uniform, he_normal or values([...])), got " + Value.describe(v), notes);
        });
    }

    /** An integer, or a list of integers. */
    List<Integer> intList(String name) {
        Value v = value(name);
        List<Value> items = v instanceof Value.ListV l ? l.items() : List.of(v);
        List<Integer> out = new ArrayList<>();
        for (Value item : items) {
            if (item instanceof Value.Poison) throw Poisoned.INSTANCE;
            if (!(item instanceof Value.Num n && n.isInt()))
                throw error(name, "argument '" + name + "' must be an integer or a list of integers, got " + Value.describe(item));
            out.add((int) n.value());
        }
        return out;
    }
}
