package dev.netc.frontend;

import dev.netc.ir.Init;
import dev.netc.ir.Shape;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Parameter initialisers: the names (zeros, glorot_uniform) and calls (constant(0.1), values([...])). */
final class InitializerSyntax {
    private InitializerSyntax() {}

    static final Set<String> FUNCTIONS =
            Set.of("zeros", "ones", "constant", "normal", "truncated_normal", "uniform", "glorot_uniform", "he_normal", "orthogonal", "values");

    /** The initialiser a value denotes, if any. */
    static Optional<Init> of(Value v, SourceSpan span) {
        return switch (v) {
            case Value.InitV i -> Optional.of(i.init());
            case Value.Word w -> switch (w.name()) {
                case "zeros" -> Optional.of(new Init.Zeros());
                case "ones" -> Optional.of(new Init.Ones());
                case "glorot_uniform" -> Optional.of(new Init.GlorotUniform());
                case "he_normal" -> Optional.of(new Init.HeNormal());
                case "orthogonal" -> Optional.of(new Init.Orthogonal());
                default -> Optional.empty();
            };
            default -> Optional.empty();
        };
    }

    /** Evaluates an initialiser call such as truncated_normal(0.1). */
    static Value call(Ast.Call call, List<Value> values, Function<Value.Word, UserError> unknownName) {
        String fn = call.callee().name();
        return new Value.InitV(switch (fn) {
            case "zeros" -> { Args.bind(call, values, unknownName); yield new Init.Zeros(); }
            case "ones" -> { Args.bind(call, values, unknownName); yield new Init.Ones(); }
            case "glorot_uniform" -> { Args.bind(call, values, unknownName); yield new Init.GlorotUniform(); }
            case "he_normal" -> { Args.bind(call, values, unknownName); yield new Init.HeNormal(); }
            case "orthogonal" -> { Args.bind(call, values, unknownName); yield new Init.Orthogonal(); }
            case "constant" -> new Init.Constant(Args.bind(call, values, unknownName, "value").number("value", 0));
            case "normal" -> {
                Args a = Args.bind(call, values, unknownName, "stddev?", "mean?");
                yield new Init.Normal(a.number("mean", 0), nonNegative(a, "stddev", 1));
            }
            case "truncated_normal" -> {
                Args a = Args.bind(call, values, unknownName, "stddev?", "mean?");
                yield new Init.TruncatedNormal(a.number("mean", 0), nonNegative(a, "stddev", 1));
            }
            case "uniform" -> {
                Args a = Args.bind(call, values, unknownName, "low?", "high?");
                double low = a.number("low", -0.05), high = a.number("high", 0.05);
                if (!(low < high)) throw new UserError(call.span(), "uniform: low must be below high, got low=" + Value.format(low) + ", high=" + Value.format(high));
                yield new Init.Uniform(low, high);
            }
            case "values" -> {
                Args a = Args.bind(call, values, unknownName, "values");
                double[] flat = flatten(a.value("values"), a).stream().mapToDouble(Double::doubleValue).toArray();
                yield new Init.Values(flat);
            }
            default -> throw new IllegalArgumentException("not an initialiser: " + fn);
        });
    }

    private static double nonNegative(Args a, String name, double fallback) {
        double d = a.number(name, fallback);
        if (d < 0) throw a.error(name, name + " must not be negative, got " + Value.format(d));
        return d;
    }

    private static List<Double> flatten(Value v, Args a) {
        return switch (v) {
            case Value.Num n -> List.of(n.value());
            case Value.ListV l -> l.items().stream().flatMap(item -> flatten(item, a).stream()).toList();
            case Value.Poison p -> throw Poisoned.INSTANCE;
            default -> throw a.error("values", "expected numbers or lists of numbers, got " + Value.describe(v));
        };
    }

    /** Checks that literal values fit the parameter they initialise. */
    static void checkFits(Init init, String param, Shape shape, SourceSpan span) {
        if (init instanceof Init.Values v) {
            long count = shape.volume().known();
            if (v.values().length != count)
                throw new UserError(span, param + ": values() gives " + v.values().length + " number"
                        + (v.values().length == 1 ? "" : "s") + " but " + shape + " has " + count + " element" + (count == 1 ? "" : "s"));
        }
    }
}
