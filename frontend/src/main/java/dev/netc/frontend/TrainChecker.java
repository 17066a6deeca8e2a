package dev.netc.frontend;

import dev.netc.ir.Graph;
import dev.netc.ir.train.DatasetSpec;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Op;
import dev.netc.ir.train.LrPolicy;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Checks a train block against its elaborated model, appends the loss to the graph and builds the {@link TrainSpec}. */
final class TrainChecker {
    private static final List<String> SETTINGS = List.of("loss", "optimizer", "batch", "epochs", "steps", "dataset", "metrics",
            "schedule", "param_groups");
    private static final List<String> METRICS = List.of("accuracy");

    private final Elaborator el;
    private final Frame frame;
    private final Diagnostics diags;

    TrainChecker(Elaborator el, Frame modelFrame, Diagnostics diags) {
        this.el = el;
        this.frame = modelFrame;
        this.diags = diags;
    }

    /** The train spec, or empty when the block has errors (reported). */
    Optional<TrainSpec> check(Ast.Train train) {
        int errorsBefore = diags.count();
        List<String> labels = new ArrayList<>();
        Map<String, Ast.Assign> settings = new LinkedHashMap<>();
        // Inputs first, so that the loss may mention a label input declared after it.
        for (Ast.Stmt s : train.body()) {
            try {
                switch (s) {
                    case Ast.Input in -> {
                        el.declareInput(frame, in.name(), in.type());
                        labels.add(in.name().name());
                        if (labels.size() == 2)
                            throw new UserError(in.name().span(), "a train block takes one labels input; '" + labels.getFirst() + "' is already declared");
                    }
                    case Ast.Assign a -> {
                        String key = a.name().name();
                        if (!SETTINGS.contains(key))
                            throw new UserError(a.name().span(), "unknown train setting '" + key + "' (expected one of: "
                                    + String.join(", ", SETTINGS) + ")", Names.suggest(key, SETTINGS));
                        Ast.Assign first = settings.putIfAbsent(key, a);
                        if (first != null) throw new UserError(a.name().span(), "'" + key + "' is set twice in the train block",
                                List.of("first set at " + Spans.at(first.name().span())));
                    }
                    default -> throw new UserError(s.span(), "only 'input NAME: TYPE' and settings such as 'loss = ...' are allowed in a train block");
                }
            } catch (UserError e) {
                diags.add(e);
            } catch (Poisoned p) {
                // already reported
            }
        }
        Spec spec = new Spec();
        for (Ast.Assign a : settings.values()) {
            try {
                setting(spec, a);
            } catch (UserError e) {
                diags.add(e);
            } catch (Poisoned p) {
                // already reported
            }
        }
        SourceSpan at = train.nameSpan();
        if (!settings.containsKey("loss")) diags.error(at, "train block for '" + train.name() + "' has no loss", List.of("add e.g. loss = softmax_cross_entropy(logits, y)"));
        if (!settings.containsKey("optimizer")) diags.error(at, "train block for '" + train.name() + "' has no optimizer", List.of("add e.g. optimizer = adam(lr=0.001)"));
        if (!settings.containsKey("batch")) diags.error(at, "train block for '" + train.name() + "' has no batch size", List.of("add e.g. batch = 32"));
        if (settings.containsKey("epochs") && settings.containsKey("steps"))
            diags.error(settings.get("steps").name().span(), "set either epochs or steps, not both");
        if (labels.isEmpty()) diags.error(at, "train block for '" + train.name() + "' declares no labels input", List.of("add e.g. input y: i32[B]"));
        List<String> features = el.inputs().stream().filter(n -> !labels.contains(n)).toList();
        if (features.size() != 1)
            diags.error(at, "model '" + train.name() + "' must have exactly one input (the features) to be trained, it has " + features.size());
        if (diags.count() != errorsBefore) return Optional.empty();
        spec.optimizer = Optimizers.withPolicy(spec.optimizer, Optional.ofNullable(spec.schedule), spec.groups);
        return Optional.of(new TrainSpec(spec.optimizer, spec.batch, spec.epochs, spec.steps, Optional.ofNullable(spec.dataset),
                features.getFirst(), labels.getFirst(), spec.metrics));
    }

    private static final class Spec {
        OptimizerSpec optimizer;
        int batch;
        OptionalInt epochs = OptionalInt.empty(), steps = OptionalInt.empty();
        DatasetSpec dataset;
        List<String> metrics = List.of();
        LrPolicy.StepDecay schedule;
        List<LrPolicy.ParamGroup> groups = List.of();
    }

    private void setting(Spec spec, Ast.Assign a) {
        Ast.Expr e = a.value();
        switch (a.name().name()) {
            case "loss" -> loss(a);
            case "optimizer" -> spec.optimizer = new Optimizers(el, frame).optimizer(e);
            case "schedule" -> spec.schedule = new Optimizers(el, frame).schedule(e);
            case "param_groups" -> spec.groups = new Optimizers(el, frame).groups(e, el.emitter().graph().build());
            case "batch" -> spec.batch = positiveInt(a);
            case "epochs" -> spec.epochs = OptionalInt.of(positiveInt(a));
            case "steps" -> spec.steps = OptionalInt.of(positiveInt(a));
            case "dataset" -> spec.dataset = dataset(e);
            case "metrics" -> spec.metrics = metrics(e);
            default -> throw new IllegalStateException(a.name().name());
        }
    }

    private void loss(Ast.Assign a) {
        if (el.outputs().containsKey(Graph.LOSS))
            throw new UserError(a.name().span(), "the model already has an output named 'loss'; the train block's loss would replace it");
        Value v = el.eval(frame, a.value(), Graph.LOSS);
        if (v instanceof Value.Poison) throw Poisoned.INSTANCE;
        if (!(v instanceof Value.Tensor t))
            throw new UserError(a.value().span(), "loss must be a scalar float tensor, got " + Value.describe(v));
        if (t.type().rank() != 0 || !t.type().dtype().isFloat())
            throw new UserError(a.value().span(), "loss must be a scalar float tensor, got " + t.type(),
                    t.type().rank() != 0 ? List.of("reduce it to a scalar, e.g. mean(...) or sum(...)") : List.of());
        int loss = t.id();
        // Layer weight penalties (kernel_regularizer=...) join the loss the user wrote.
        for (int penalty : el.emitter().penalties()) {
            Value.Tensor p = new Value.Tensor(penalty, el.emitter().type(penalty));
            if (!p.type().equals(t.type()))
                throw new UserError(a.value().span(), "loss " + t.type() + " and a layer's weight penalty " + p.type() + " differ in type");
            loss = el.emitter().add(new Op.Binary(BinaryFn.ADD), null, a.value().span(), new Value.Tensor(loss, t.type()), p).id();
        }
        el.emitter().graph().output(Graph.LOSS, loss);
    }

    private int positiveInt(Ast.Assign a) {
        Value v = el.eval(frame, a.value(), null);
        if (v instanceof Value.Num n && n.isInt() && n.value() > 0) return (int) n.value();
        throw new UserError(a.value().span(), a.name().name() + " must be a positive integer, got " + Value.describe(v));
    }

    private DatasetSpec dataset(Ast.Expr e) {
        return switch (e) {
            case Ast.Name n -> new DatasetSpec(n.name(), Map.of());
            case Ast.Str s -> new DatasetSpec(s.value(), Map.of());
            case Ast.Call c -> {
                Map<String, Object> args = new HashMap<>();
                for (Ast.Arg arg : c.args()) {
                    if (arg.name() == null) throw new UserError(arg.span(), "dataset arguments must be named, e.g. " + c.callee().name() + "(points=2000)");
                    Object value = switch (arg.value()) {
                        case Ast.Name n -> n.name();
                        case Ast.Str s -> s.value();
                        default -> {
                            Value v = el.eval(frame, arg.value(), null);
                            if (v instanceof Value.Num num) yield num.value();
                            throw new UserError(arg.value().span(), "dataset argument '" + arg.name().name() + "' must be a number or a name, got " + Value.describe(v));
                        }
                    };
                    if (args.put(arg.name().name(), value) != null)
                        throw new UserError(arg.name().span(), "dataset argument '" + arg.name().name() + "' given twice");
                }
                yield new DatasetSpec(c.callee().name(), args);
            }
            default -> throw new UserError(e.span(), "dataset must be a name such as mnist, or a call such as spirals(points=2000)");
        };
    }

    private static List<String> metrics(Ast.Expr e) {
        List<Ast.Expr> items = e instanceof Ast.ListLit l ? l.items() : List.of(e);
        List<String> out = new ArrayList<>();
        for (Ast.Expr item : items) {
            if (!(item instanceof Ast.Name n) || !METRICS.contains(n.name())) {
                String got = item instanceof Ast.Name n ? n.name() : "this";
                throw new UserError(item.span(), "unknown metric '" + got + "' (expected one of: " + String.join(", ", METRICS) + ")",
                        Names.suggest(got, METRICS));
            }
            if (!out.contains(n.name())) out.add(n.name());
        }
        return out;
    }
}
