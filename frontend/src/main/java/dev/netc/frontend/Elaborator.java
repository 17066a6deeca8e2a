package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Elaborates one model: runs its statements (and the blocks they call) in order, appending IR nodes
 * as it goes. An error in a statement is reported and the statement's name is bound to poison, so
 * elaboration continues and later uses of that name stay quiet.
 */
final class Elaborator {
    private static final int MAX_BLOCK_DEPTH = 64;

    private final Diagnostics diags;
    private final Map<String, Ast.Block> blocks;
    private final Emitter emitter = new Emitter();
    private final Map<String, SourceSpan> inputs = new LinkedHashMap<>();
    private final Map<String, SourceSpan> outputs = new LinkedHashMap<>();
    private String symbol;
    private SourceSpan symbolSpan;

    Elaborator(Diagnostics diags, Map<String, Ast.Block> blocks) {
        this.diags = diags;
        this.blocks = blocks;
    }

    Emitter emitter() { return emitter; }

    Optional<String> symbol() { return Optional.ofNullable(symbol); }

    /** Model inputs in declaration order. */
    List<String> inputs() { return List.copyOf(inputs.keySet()); }

    Map<String, SourceSpan> outputs() { return outputs; }

    /** Runs a model body; the returned frame holds the model's final bindings (train blocks read them). */
    Frame model(Ast.Model model) {
        Frame f = Frame.model();
        for (Ast.Stmt s : model.body()) statement(f, s);
        if (outputs.isEmpty())
            diags.error(model.nameSpan(), "model '" + model.name() + "' has no outputs", List.of("add a statement such as: output logits"));
        return f;
    }

    void report(Frame f, UserError e) {
        List<String> notes = new ArrayList<>(e.notes());
        notes.addAll(f.notes);
        diags.error(e.span(), e.getMessage(), notes);
    }

    void statement(Frame f, Ast.Stmt stmt) {
        if (f.returned != null) {
            report(f, new UserError(stmt.span(), "statement after 'return' in a block"));
            return;
        }
        try {
            switch (stmt) {
                case Ast.Input s -> declareInput(f, s.name(), s.type());
                case Ast.Param s -> param(f, s);
                case Ast.Assign s -> assign(f, s);
                case Ast.Output s -> output(f, s);
                case Ast.Return s -> {
                    if (!f.inBlock) throw new UserError(stmt.span(), "'return' is only allowed in a block; a model uses 'output NAME'");
                    f.returned = evalOrPoison(f, s.value(), null);
                }
            }
        } catch (UserError e) {
            report(f, e);
            poison(f, stmt);
        } catch (Poisoned p) {
            poison(f, stmt);
        }
    }

    private void poison(Frame f, Ast.Stmt stmt) {
        switch (stmt) {
            case Ast.Input s -> f.scope.put(s.name().name(), Value.POISON);
            case Ast.Param s -> f.scope.put(s.name().name(), Value.POISON);
            case Ast.Assign s -> f.scope.put(s.name().name(), Value.POISON);
            case Ast.Return s -> f.returned = Value.POISON;
            case Ast.Output s -> { }
        }
    }

    /** An input of the model or of its train block. */
    Value.Tensor declareInput(Frame f, Ast.Name name, Ast.Type type) {
        if (f.inBlock) throw new UserError(name.span(), "'input' is not allowed in a block; pass tensors as block arguments");
        TensorType t = type(f, type, true);
        SourceSpan first = inputs.get(name.name());
        if (first != null) throw new UserError(name.span(), "input '" + name.name() + "' is already declared",
                List.of("first declared at " + Spans.at(first)));
        Value.Tensor v = emitter.input(name.name(), t, name.span());
        inputs.put(name.name(), name.span());
        f.scope.put(name.name(), v);
        return v;
    }

    private void param(Frame f, Ast.Param s) {
        TensorType t = type(f, s.type(), false);
        Init init = new Init.Zeros();
        if (s.init() != null) {
            Value v = eval(f, s.init(), null);
            if (v instanceof Value.Poison) throw Poisoned.INSTANCE;
            init = InitializerSyntax.of(v, s.init().span()).orElseThrow(() -> new UserError(s.init().span(),
                    "param " + s.name().name() + ": expected an initialiser such as zeros, constant(0.1) or normal(0.01), got "
                            + Value.describe(v), v instanceof Value.Num n ? List.of("write constant(" + Value.format(n.value()) + ")") : List.of()));
        }
        String full = f.prefix + s.name().name();
        Value.Tensor p = emitter.parameter(full, t, init, !s.frozen(), s.name().span());
        long n = Emitter.count(t.shape());
        emitter.row(full, "Parameter", t.shape(), s.frozen() ? 0 : n, s.frozen() ? n : 0);
        f.scope.put(s.name().name(), p);
    }

    private void assign(Frame f, Ast.Assign s) {
        int rowsBefore = emitter.rows().size(), nodesBefore = emitter.graph().size();
        String name = s.name().name();
        Value v = eval(f, s.value(), f.nodeName(name));
        f.scope.put(name, v);
        if (!f.inBlock && emitter.rows().size() == rowsBefore && v instanceof Value.Tensor t && t.id() >= nodesBefore)
            emitter.row(name, emitter.graph().node(t.id()).op().mnemonic(), t.type().shape(), 0, 0);
    }

    private void output(Frame f, Ast.Output s) {
        if (f.inBlock) throw new UserError(s.span(), "'output' is not allowed in a block; a block ends with 'return EXPR'");
        for (Ast.Name n : s.names()) {
            try {
                Value v = lookup(f, n);
                if (!(v instanceof Value.Tensor t)) throw new UserError(n.span(), "output '" + n.name() + "' must be a tensor, got " + Value.describe(v));
                SourceSpan first = outputs.putIfAbsent(n.name(), n.span());
                if (first != null) throw new UserError(n.span(), "output '" + n.name() + "' is already declared",
                        List.of("first declared at " + Spans.at(first)));
                emitter.graph().output(n.name(), t.id());
            } catch (UserError e) {
                report(f, e);
            } catch (Poisoned p) {
                outputs.putIfAbsent(n.name(), n.span());
            }
        }
    }

    private Value lookup(Frame f, Ast.Name n) {
        Value v = f.scope.get(n.name());
        if (v == null) throw unknownName(f).apply(new Value.Word(n.name(), n.span()));
        if (v instanceof Value.Poison) throw Poisoned.INSTANCE;
        return v;
    }

    /** The type as written; names in dimensions are block number arguments or the model's one batch symbol. */
    TensorType type(Frame f, Ast.Type t, boolean symbolAllowed) {
        DType dtype;
        try {
            dtype = DType.parse(t.dtype().name());
        } catch (IllegalArgumentException e) {
            throw new UserError(t.dtype().span(), "unknown element type '" + t.dtype().name() + "' (expected f32, f64 or i32)",
                    Names.suggest(t.dtype().name(), List.of("f32", "f64", "i32")));
        }
        List<Dim> dims = new ArrayList<>();
        for (Ast.Dim d : t.dims()) dims.add(dim(f, d, symbolAllowed));
        return new TensorType(dtype, new dev.netc.ir.Shape(dims));
    }

    private Dim dim(Frame f, Ast.Dim d, boolean symbolAllowed) {
        if (!d.isName()) {
            double v = Double.parseDouble(d.text());
            if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE)
                throw new UserError(d.span(), "dimension must be a positive integer, got " + d.text());
            return Dim.of((int) v);
        }
        Value bound = f.scope.get(d.text());
        if (bound instanceof Value.Poison) throw Poisoned.INSTANCE;
        if (bound instanceof Value.Num n) {
            if (!n.isInt() || n.value() < 1) throw new UserError(d.span(), "dimension '" + d.text() + "' must be a positive integer, got " + Value.format(n.value()));
            return Dim.of((int) n.value());
        }
        if (bound != null) throw new UserError(d.span(), "dimension '" + d.text() + "' must be a number, got " + Value.describe(bound));
        if (!symbolAllowed)
            throw new UserError(d.span(), "unknown dimension '" + d.text() + "': parameter shapes must be known at compile time",
                    f.inBlock ? List.of("use a number argument of the block") : List.of("parameters cannot depend on the batch size"));
        if (symbol == null) {
            symbol = d.text();
            symbolSpan = d.span();
        } else if (!symbol.equals(d.text())) {
            throw new UserError(d.span(), "a model has at most one symbolic (batch) dimension: found '" + d.text() + "' but '" + symbol + "' is already used",
                    List.of("'" + symbol + "' first used at " + Spans.at(symbolSpan)));
        }
        return Dim.sym(d.text());
    }

    Function<Value.Word, UserError> unknownName(Frame f) {
        return w -> {
            List<String> notes = new ArrayList<>(Names.suggest(w.name(), f.scope.keySet()));
            if (isFunction(w.name())) notes.add("'" + w.name() + "' is a function; call it as " + w.name() + "(...)");
            return new UserError(w.span(), "unknown name '" + w.name() + "'", notes);
        };
    }

    private boolean isFunction(String name) {
        return blocks.containsKey(name) || Builtins.NAMES.contains(name) || InitializerSyntax.FUNCTIONS.contains(name);
    }

    /** Evaluates, reporting an error here and yielding poison, so sibling expressions are still checked. */
    Value evalOrPoison(Frame f, Ast.Expr e, String name) {
        try {
            return eval(f, e, name);
        } catch (UserError err) {
            report(f, err);
            return Value.POISON;
        } catch (Poisoned p) {
            return Value.POISON;
        }
    }

    /** Evaluates an expression; {@code name} is the graph name for the node that produces its value. */
    Value eval(Frame f, Ast.Expr expr, String name) {
        return switch (expr) {
            case Ast.Number n -> {
                if (Double.isInfinite(n.value())) throw new UserError(n.span(), "number " + n.text() + " is out of range");
                yield new Value.Num(n.value());
            }
            case Ast.Str s -> new Value.Str(s.value());
            case Ast.Name n -> f.scope.getOrDefault(n.name(), new Value.Word(n.name(), n.span()));
            case Ast.ListLit l -> new Value.ListV(l.items().stream().map(i -> evalOrPoison(f, i, null)).toList());
            case Ast.Negate n -> negate(f, evalOrPoison(f, n.operand(), null), name, n.span());
            case Ast.Binary b -> {
                Value l = evalOrPoison(f, b.left(), null), r = evalOrPoison(f, b.right(), null);
                BinaryFn fn = switch (b.op()) {
                    case '+' -> BinaryFn.ADD;
                    case '-' -> BinaryFn.SUB;
                    case '*' -> BinaryFn.MUL;
                    default -> BinaryFn.DIV;
                };
                yield arithmetic(f, fn, l, r, name, b.span(), "'" + b.op() + "'");
            }
            case Ast.Call c -> call(f, c, name);
        };
    }

    private Value negate(Frame f, Value v, String name, SourceSpan span) {
        return switch (v) {
            case Value.Num n -> new Value.Num(-n.value());
            case Value.Tensor t -> emitter.add(new Op.Unary(UnaryFn.NEG), name, span, t);
            case Value.Poison p -> throw Poisoned.INSTANCE;
            case Value.Word w -> throw unknownName(f).apply(w);
            default -> throw new UserError(span, "cannot negate " + Value.describe(v));
        };
    }

    /** Elementwise arithmetic; a number operand becomes a scalar constant of the tensor's element type. */
    Value arithmetic(Frame f, BinaryFn fn, Value l, Value r, String name, SourceSpan span, String what) {
        if (l instanceof Value.Poison || r instanceof Value.Poison) throw Poisoned.INSTANCE;
        if (l instanceof Value.Word w) throw unknownName(f).apply(w);
        if (r instanceof Value.Word w) throw unknownName(f).apply(w);
        if (l instanceof Value.Num a && r instanceof Value.Num b) {
            if (fn == BinaryFn.DIV && b.value() == 0) throw new UserError(span, "division by zero");
            return new Value.Num(fn.apply(a.value(), b.value()));
        }
        if (l instanceof Value.Tensor a && r instanceof Value.Num b) r = emitter.scalar(b.value(), a.type());
        if (l instanceof Value.Num a && r instanceof Value.Tensor b) l = emitter.scalar(a.value(), b.type());
        if (l instanceof Value.Tensor a && r instanceof Value.Tensor b) return emitter.add(new Op.Binary(fn), name, span, a, b);
        throw new UserError(span, "cannot apply " + what + " to " + Value.describe(l) + " and " + Value.describe(r));
    }

    private Value call(Frame f, Ast.Call c, String name) {
        List<Value> values = new ArrayList<>();
        for (Ast.Arg a : c.args()) values.add(evalOrPoison(f, a.value(), null));
        String fn = c.callee().name();
        Ast.Block block = blocks.get(fn);
        if (block != null) return callBlock(f, block, c, values);
        if (InitializerSyntax.FUNCTIONS.contains(fn)) return InitializerSyntax.call(c, values, unknownName(f));
        if (Builtins.NAMES.contains(fn)) return Builtins.call(this, f, c, values, name);
        TreeSet<String> known = new TreeSet<>(Builtins.NAMES);
        known.addAll(InitializerSyntax.FUNCTIONS);
        known.addAll(blocks.keySet());
        throw new UserError(c.callee().span(), "unknown function '" + fn + "'", Names.suggest(fn, known));
    }

    private Value callBlock(Frame caller, Ast.Block block, Ast.Call c, List<Value> values) {
        if (caller.callStack.contains(block.name())) {
            List<String> chain = new ArrayList<>(caller.callStack.subList(caller.callStack.indexOf(block.name()), caller.callStack.size()));
            chain.add(block.name());
            throw new UserError(c.callee().span(), "block '" + block.name() + "' calls itself recursively: " + String.join(" -> ", chain));
        }
        if (caller.callStack.size() >= MAX_BLOCK_DEPTH) throw new UserError(c.span(), "blocks nested more than " + MAX_BLOCK_DEPTH + " deep");
        String[] params = block.params().stream().map(Ast.Name::name).toArray(String[]::new);
        Args args = Args.bind(c, values, unknownName(caller), params);
        Frame inner = caller.enter(block.name(), c.span());
        for (String p : params) inner.scope.put(p, args.value(p));
        for (Ast.Stmt s : block.body()) statement(inner, s);
        if (inner.returned == null || inner.returned instanceof Value.Poison) throw Poisoned.INSTANCE;
        return inner.returned;
    }
}
