package dev.netc.codegen.java;

import com.palantir.javapoet.TypeName;
import dev.netc.codegen.core.loop.CStylePrinter;
import dev.netc.codegen.core.loop.Expr;
import dev.netc.codegen.core.loop.Lanes;
import dev.netc.codegen.core.loop.Rewrite;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.codegen.core.loop.Type;
import dev.netc.codegen.core.loop.Walk;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Java dialect of the shared C-style printer. The outermost parallel loop is split over all
 * cores ({@code Parallel.forChunks}), its chunk printed as a method of its own ({@link LoopMethods});
 * when its body is float arithmetic on loads that are contiguous or the same across lanes, it runs
 * whole {@code FloatVector}s first and the scalar body on the tail of each chunk (chunks start at
 * multiples of the lane count).
 */
final class JavaLoopPrinter extends CStylePrinter {
    private final LoopMethods loops;
    /** True when printing one loop's method: its outermost parallel loop is the chunk [from, to). */
    private final boolean chunkOnly;
    /** Locals that loops read: their Let assigns a field of the same name ({@link LoopMethods#local}). */
    private Set<String> inFields = Set.of();
    private final VectorExprPrinter vectors = new VectorExprPrinter();
    /** The loop-invariant scalars the vector body broadcasts, and the local holding each broadcast. */
    private final java.util.Map<String, String> invariants = new java.util.LinkedHashMap<>();
    /** Statements a vector expression needs before the statement that uses it (run boundaries). */
    private final List<String> pending = new java.util.ArrayList<>();
    private int runLocals;

    /** A broadcast of a loop-invariant scalar, hoisted out of the loop ('$' keeps it apart from any buffer name). */
    private String invariant(String scalar) {
        return invariants.computeIfAbsent(scalar, k -> "bcast$" + invariants.size());
    }

    /** Chunks of fewer elements run the scalar body only: four vectors on AVX-512, eight on AVX2. */
    static final int VECTOR_MIN_ELEMENTS = 64;

    /** A printer whose parallel loops become methods in {@code loops}. */
    JavaLoopPrinter(LoopMethods loops) { this(loops, false); }

    /** A printer of a parallel loop's chunk [from, to) alone, for a method with {@code int from, to} in scope. */
    static JavaLoopPrinter chunkBody(LoopMethods loops) { return new JavaLoopPrinter(loops, true); }

    private JavaLoopPrinter(LoopMethods loops, boolean chunkOnly) {
        super(JavaDialect.INSTANCE);
        this.loops = loops;
        this.chunkOnly = chunkOnly;
    }

    /** Prints the Lets of these names as assignments to fields, for loops of other printers that read them. */
    JavaLoopPrinter inFields(Set<String> names) {
        inFields = Set.copyOf(names);
        return this;
    }

    @Override protected void parallelLoop(Stmt.Loop l) {
        if (chunkOnly) {
            chunk(l);
            return;
        }
        String body = new JavaLoopPrinter(loops, true).print(List.of(l), 0);
        line("forChunks(" + expr(l.extent()) + ", " + loops.add("from", "to", body) + ");");
    }

    @Override protected void stmt(Stmt s) {
        if (s instanceof Stmt.Let let && inFields.contains(let.name())) {
            loops.local(let.name(), switch (let.type()) {
                case INT -> TypeName.INT;
                case FLOAT -> TypeName.FLOAT;
                case DOUBLE -> TypeName.DOUBLE;
                case LONG -> TypeName.LONG;
            });
            line(let.name() + " = " + expr(let.value()) + ";");
        } else {
            super.stmt(s);
        }
    }

    /** The names the statements read but do not declare: locals (or parameters) of the method around them. */
    static Set<String> freeVariables(List<? extends Stmt> body) {
        Set<String> read = new HashSet<>(), declared = new HashSet<>();
        List<Stmt> stmts = List.copyOf(body);
        Walk.expressions(stmts, e -> {
            if (e instanceof Expr.Var v) read.add(v.name());
        });
        Walk.statements(stmts, s -> {
            switch (s) {
                case Stmt.Loop l -> declared.add(l.var());
                case Stmt.Reduce r -> declared.addAll(List.of(r.var(), r.acc()));
                case Stmt.Let let -> declared.add(let.name());
                case Stmt.Assign a -> { } // declares nothing: what it assigns was declared by a Let
                case Stmt.Store st -> { }
                case Stmt.If i -> { }
                case Stmt.Comment c -> { }
            }
        });
        read.removeAll(declared);
        return read;
    }

    /**
     * Parallel loops of known extents as one parallel pass over their extents laid end to end (a
     * multi-tensor optimizer update): each chunk runs, for every loop it overlaps, that loop's body over
     * the overlap, vectorised as the loop alone would be. Elementwise bodies give the same bits
     * whatever the split.
     */
    String printFused(List<Stmt.Loop> passes, List<String> labels, int startDepth) {
        long total = 0;
        for (Stmt.Loop l : passes) total += ((Expr.IntConst) l.extent()).value();
        String body = new JavaLoopPrinter(loops, true).fusedChunk(passes, labels);
        print(List.of(), startDepth);
        line("forChunks(" + total + ", " + loops.add("chunkFrom", "chunkTo", body) + ");");
        return text();
    }

    /** The method body of a fused pass: each loop's share of the chunk [chunkFrom, chunkTo). */
    private String fusedChunk(List<Stmt.Loop> passes, List<String> labels) {
        print(List.of(), 0);
        long start = 0;
        for (int k = 0; k < passes.size(); k++) {
            Stmt.Loop l = passes.get(k);
            long end = start + ((Expr.IntConst) l.extent()).value();
            line("// " + labels.get(k));
            open("if (chunkFrom < " + end + " && chunkTo > " + start + ")");
            line("int from = Math.max(chunkFrom, " + start + ") - " + start + ", to = Math.min(chunkTo, " + end + ") - " + start + ";");
            chunk(l);
            close("");
            start = end;
        }
        return text();
    }

    /** The body of one chunk [from, to) of a parallel loop: whole vectors, then the scalar tail. */
    private void chunk(Stmt.Loop l) {
        invariants.clear();
        Optional<List<String>> vector = vectorBody(l);
        if (vector.isPresent()) {
            line("int " + l.var() + " = from;");
            // A short chunk runs the scalar body alone (the same bits): such a loop (a loss gradient over the
            // batch) runs too rarely for C2 to compile it within a few thousand steps, and in the earlier tiers
            // every vector and broadcast is a heap object (1.2 KiB a step in the MNIST CNN). A count, not a
            // number of vectors: with AVX2's eight lanes four vectors let the batch of 50 through.
            open("if (to - from >= " + VECTOR_MIN_ELEMENTS + ")");
            // loop-invariant broadcasts once per chunk, not once per vector
            for (var e : invariants.entrySet()) line("var " + e.getValue() + " = " + vectors.broadcast(e.getKey()) + ";");
            open("for (int upper = from + SPECIES.loopBound(to - from); " + l.var() + " < upper; " + l.var() + " += LANES)");
            for (String s : vector.get()) line(s);
            close("");
            close("");
            open("for (; " + l.var() + " < to; " + l.var() + "++)");
        } else {
            open("for (int " + l.var() + " = from; " + l.var() + " < to; " + l.var() + "++)");
        }
        body(l.body());
        close("");
    }

    @Override protected String typeName(Type t) {
        return switch (t) {
            case INT -> "int";
            case FLOAT -> "float";
            case DOUBLE -> "double";
            case LONG -> "long";
        };
    }

    @Override protected String scalar(Expr.ModelScalar s) {
        if (chunkOnly && s != Expr.ModelScalar.TRAINING)
            throw new IllegalStateException("a parallel loop reads " + s + ", a parameter of update(), not a field");
        return switch (s) {
            case TRAINING -> "training";
            case LEARNING_RATE -> "learningRate";
            case STEP -> "step";
        };
    }

    @Override protected String dropoutFactor(Expr.DropoutFactor d, String index) {
        return "(training ? keepFactor(" + dropoutStream(d.node()) + ", " + index + ", " + d.rate() + ", "
                + dialect.floatLiteral(1 / (1 - d.rate())) + ") : 1f)";
    }

    /** The field holding one dropout node's random stream, set at the top of its kernel ({@link LoopMethods#local}). */
    static String dropoutStream(int node) { return "stream" + node; }

    // ---- vectorisation ----

    /** The body as Vector API statements, or empty when some statement or operand has no vector form. */
    private Optional<List<String>> vectorBody(Stmt.Loop l) {
        Set<String> vectorLocals = new HashSet<>();
        pending.clear();
        runLocals = 0;
        List<String> out = new java.util.ArrayList<>();
        for (Stmt s : l.body()) {
            switch (s) {
                case Stmt.Let let when let.type() == Type.FLOAT -> {
                    Optional<String> e = vector(let.value(), l.var(), vectorLocals);
                    if (e.isEmpty()) return Optional.empty();
                    out.addAll(pending);
                    pending.clear();
                    out.add("var " + let.name() + " = " + e.get() + ";");
                    vectorLocals.add(let.name());
                }
                case Stmt.Store st when !st.accumulate() && !st.buf().isInt() && st.index() instanceof Expr.Var v && v.name().equals(l.var()) -> {
                    Optional<String> e = vector(st.value(), l.var(), vectorLocals);
                    if (e.isEmpty()) return Optional.empty();
                    out.addAll(pending);
                    pending.clear();
                    out.add(e.get() + ".intoArray(" + st.buf().name() + ", " + l.var() + ");");
                }
                case Stmt.Comment c -> out.add("// " + c.text());
                default -> { return Optional.empty(); }
            }
        }
        return Optional.of(out);
    }

    /**
     * A load constant over runs of {@code length} loop indices: how many lanes are left in the current
     * run, the index where the next one starts (only read when it starts inside this vector), two
     * broadcasts and a blend ({@code Vectors.runs}). Returns the local holding the vector.
     */
    private String runs(Expr.Load ld, String index, long length) {
        String id = "$" + runLocals++;
        String left = "left" + id, next = "next" + id, value = "run" + id;
        pending.add("int " + left + " = " + length + " - " + index + " % " + length + ";");
        pending.add("int " + next + " = " + left + " < LANES ? " + index + " + " + left + " : " + index + ";");
        String nextIndex = expr(Rewrite.replaceVar(ld.index(), index, Expr.var(next)));
        pending.add("var " + value + " = runs(" + ld.buf().name() + ", " + expr(ld.index()) + ", " + nextIndex + ", " + left + ");");
        return value;
    }

    private Optional<String> vector(Expr e, String index, Set<String> locals) {
        return switch (e) {
            case Expr.Var v when locals.contains(v.name()) -> Optional.of(v.name());
            case Expr.Var v when v.name().equals(index) -> Optional.empty();
            case Expr.Var v -> Optional.of(invariant(v.name()));
            case Expr.FloatConst c -> Optional.of(invariant(dialect.floatLiteral(c.value())));
            case Expr.Load ld when ld.buf().isInt() -> Optional.empty();
            case Expr.Load ld -> switch (ld.lanes()) {
                case Lanes.Contiguous c -> Optional.of(vectors.load(ld.buf().name(), expr(ld.index())));
                case Lanes.Uniform u -> Optional.of(vectors.broadcast(ld.buf().name() + "[" + expr(ld.index()) + "]"));
                case Lanes.Runs r -> Optional.of(runs(ld, index, r.length()));
                case Lanes.Gather g -> Optional.empty();
            };
            case Expr.Neg n -> vector(n.x(), index, locals).map(x -> x + ".neg()");
            case Expr.Select sel when sel.cond() instanceof Expr.Arith cmp -> vectors.comparison(cmp.op()).flatMap(test ->
                    vector(cmp.a(), index, locals).flatMap(a -> vector(cmp.b(), index, locals).flatMap(b ->
                            vector(sel.a(), index, locals).flatMap(yes -> vector(sel.b(), index, locals).map(no ->
                                    no + ".blend(" + yes + ", " + a + ".compare(" + test + ", " + b + "))")))));
            case Expr.Binary b when b.isFloat() -> vector(b.a(), index, locals).flatMap(x ->
                    vector(b.b(), index, locals).map(y -> vectors.binary(b.fn(), x, y)));
            case Expr.Arith a -> vectors.arith(a.op()).flatMap(method -> vector(a.a(), index, locals).flatMap(x ->
                    vector(a.b(), index, locals).map(y -> x + "." + method + "(" + y + ")")));
            case Expr.DropoutFactor d when d.index() instanceof Expr.Var v && v.name().equals(index) ->
                    Optional.of("(training ? keepFactors(" + dropoutStream(d.node()) + ", " + index + ", " + d.rate() + ", "
                            + dialect.floatLiteral(1 / (1 - d.rate())) + ") : " + invariant(dialect.floatLiteral(1)) + ")");
            case Expr.Call c when c.type() == Type.FLOAT -> vectors.call(c.fn()).flatMap(m -> vector(c.x(), index, locals).map(m::apply));
            default -> Optional.empty();
        };
    }
}
