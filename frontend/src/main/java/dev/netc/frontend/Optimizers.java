package dev.netc.frontend;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.train.LrPolicy;
import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The optimizer, schedule and parameter-group settings of a train block:
 * {@code optimizer = sgd(...) | adam(...) | rmsprop(...) | adadelta(...)},
 * {@code schedule = step_decay(step_size=N, gamma=G)} and
 * {@code param_groups = [group("conv2d*", lr=0.01), ...]}.
 */
final class Optimizers {

    static final List<String> NAMES = List.of("sgd", "adam", "rmsprop", "adadelta");

    private final Elaborator el;
    private final Frame frame;

    Optimizers(Elaborator el, Frame frame) {
        this.el = el;
        this.frame = frame;
    }

    private Ast.Call asCall(Ast.Expr e, String what) {
        return switch (e) {
            case Ast.Call c -> c;
            case Ast.Name n -> new Ast.Call(n, List.of(), n.span());
            default -> throw new UserError(e.span(), what);
        };
    }

    private Args bind(Ast.Call call, String... specs) {
        List<Value> values = call.args().stream().map(arg -> el.evalOrPoison(frame, arg.value(), null)).toList();
        return Args.bind(call, values, el.unknownName(frame), specs);
    }

    OptimizerSpec optimizer(Ast.Expr e) {
        Ast.Call call = asCall(e, "optimizer must be one of sgd(lr=...), adam(...), rmsprop(...), adadelta(...)");
        return switch (call.callee().name()) {
            case "sgd" -> {
                Args a = bind(call, "lr", "momentum?", "nesterov?", "decay?");
                yield new OptimizerSpec.Sgd(positive(a, "lr", 0), nonNegative(a, "momentum", 0), a.bool("nesterov", false), nonNegative(a, "decay", 0));
            }
            case "adam" -> {
                Args a = bind(call, "lr?", "beta1?", "beta2?", "epsilon?");
                yield new OptimizerSpec.Adam(positive(a, "lr", 0.001), fraction(a, "beta1", 0.9), fraction(a, "beta2", 0.999), positive(a, "epsilon", 1e-7));
            }
            case "rmsprop" -> {
                Args a = bind(call, "lr?", "rho?", "epsilon?");
                yield new OptimizerSpec.RmsProp(positive(a, "lr", 0.001), fraction(a, "rho", 0.9), positive(a, "epsilon", 1e-7));
            }
            case "adadelta" -> {
                Args a = bind(call, "lr?", "rho?", "epsilon?");
                yield new OptimizerSpec.Adadelta(positive(a, "lr", 1.0), fraction(a, "rho", 0.95), positive(a, "epsilon", 1e-7));
            }
            default -> throw new UserError(call.callee().span(), "unknown optimizer '" + call.callee().name() + "' (expected one of: "
                    + String.join(", ", NAMES) + ")", Names.suggest(call.callee().name(), NAMES));
        };
    }

    /** step_decay(step_size=N, gamma=G): the rate times G every N steps. */
    LrPolicy.StepDecay schedule(Ast.Expr e) {
        Ast.Call call = asCall(e, "schedule must be step_decay(step_size=N, gamma=G)");
        if (!call.callee().name().equals("step_decay"))
            throw new UserError(call.callee().span(), "unknown schedule '" + call.callee().name() + "' (expected step_decay)",
                    Names.suggest(call.callee().name(), List.of("step_decay")));
        Args a = bind(call, "step_size", "gamma?");
        return new LrPolicy.StepDecay(a.positiveInt("step_size", 1), positive(a, "gamma", 0.1));
    }

    /** [group("pattern", lr=R), ...]; every pattern must match some trainable parameter. */
    List<LrPolicy.ParamGroup> groups(Ast.Expr e, Graph graph) {
        List<Ast.Expr> items = e instanceof Ast.ListLit l ? l.items() : List.of(e);
        List<String> trainable = graph.trainableParameters().stream().map(Node::op)
                .map(op -> ((Op.Parameter) op).name()).toList();
        List<LrPolicy.ParamGroup> out = new ArrayList<>();
        for (Ast.Expr item : items) {
            if (!(item instanceof Ast.Call call) || !call.callee().name().equals("group"))
                throw new UserError(item.span(), "param_groups must be a list of group(\"pattern\", lr=...)",
                        List.of("e.g. param_groups = [group(\"dense_1/*\", lr=0.001)]"));
            Args a = bind(call, "pattern", "lr");
            String pattern = a.string("pattern", "");
            LrPolicy.ParamGroup g = new LrPolicy.ParamGroup(pattern, positive(a, "lr", 0));
            if (trainable.stream().noneMatch(g::matches))
                throw new UserError(a.span("pattern"), "group pattern \"" + pattern + "\" matches no trainable parameter",
                        Names.suggest(pattern, trainable).isEmpty() ? List.of("trainable parameters: " + String.join(", ", trainable))
                                : Names.suggest(pattern, trainable));
            out.add(g);
        }
        return out;
    }

    static OptimizerSpec withPolicy(OptimizerSpec spec, Optional<LrPolicy.StepDecay> schedule, List<LrPolicy.ParamGroup> groups) {
        return schedule.isEmpty() && groups.isEmpty() ? spec : spec.withPolicy(new LrPolicy(schedule, groups));
    }

    private static double positive(Args a, String name, double fallback) {
        double d = a.number(name, fallback);
        if (!(d > 0)) throw a.error(name, name + " must be positive, got " + Value.format(d));
        return d;
    }

    private static double nonNegative(Args a, String name, double fallback) {
        double d = a.number(name, fallback);
        if (!(d >= 0)) throw a.error(name, name + " must not be negative, got " + Value.format(d));
        return d;
    }

    private static double fraction(Args a, String name, double fallback) {
        double d = a.number(name, fallback);
        if (!(d >= 0 && d < 1)) throw a.error(name, name + " must be in [0, 1), got " + Value.format(d));
        return d;
    }
}
