package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.Dialect;
import dev.netc.codegen.core.ScalarExprPrinter;
import java.util.List;

/**
 * Prints loop kernels as C-style text (Java and CUDA C share the syntax of loops, locals, array
 * reads and conditions). A target extends it to name its dialect: the spelling of scalars and math
 * (a {@link Dialect}), how the outermost parallel loop is split over cores or threads, type names,
 * the model-wide scalars and dropout's random stream.
 */
public abstract class CStylePrinter {
    protected final Dialect dialect;
    protected final ScalarExprPrinter scalars;
    private final StringBuilder text = new StringBuilder();
    private int depth;
    private boolean insideParallel;

    protected CStylePrinter(Dialect dialect) {
        this.dialect = dialect;
        this.scalars = new ScalarExprPrinter(dialect);
    }

    /** The statements as text, indented by {@code depth} levels of four spaces. */
    public final String print(List<Stmt> body, int startDepth) {
        text.setLength(0);
        depth = startDepth;
        insideParallel = false;
        for (Stmt s : body) stmt(s);
        return text.toString();
    }

    /** The text printed so far. */
    protected final String text() { return text.toString(); }

    protected final void line(String code) { text.append("    ".repeat(depth)).append(code).append('\n'); }

    protected final void open(String header) {
        line(header + " {");
        depth++;
    }

    protected final void close(String trailer) {
        depth--;
        line("}" + trailer);
    }

    protected final void indent(int levels) { depth += levels; }

    protected void stmt(Stmt s) {
        switch (s) {
            case Stmt.Loop l -> {
                if (l.parallel() && !insideParallel) {
                    insideParallel = true;
                    parallelLoop(l);
                    insideParallel = false;
                } else {
                    serialLoop(l);
                }
            }
            case Stmt.Reduce r -> reduction(r);
            case Stmt.Let let -> line(typeName(let.type()) + " " + let.name() + " = " + expr(let.value()) + ";");
            case Stmt.Assign a -> line(a.name() + " = " + expr(a.value()) + ";");
            case Stmt.Store st -> line(st.buf().name() + "[" + expr(st.index()) + "] " + (st.accumulate() ? "+=" : "=") + " " + expr(st.value()) + ";");
            case Stmt.If f -> {
                open("if (" + expr(f.cond()) + ")");
                body(f.then());
                if (f.otherwise().isEmpty()) {
                    close("");
                } else {
                    depth--;
                    line("} else {");
                    depth++;
                    body(f.otherwise());
                    close("");
                }
            }
            case Stmt.Comment c -> line("// " + c.text());
        }
    }

    protected final void body(List<Stmt> stmts) { for (Stmt s : stmts) stmt(s); }

    protected final void serialLoop(Stmt.Loop l) {
        open("for (int " + l.var() + " = " + expr(l.start()) + "; " + l.var() + " < " + expr(l.extent()) + "; " + l.var() + "++)");
        body(l.body());
        close("");
    }

    /** A reduction loop; by default serial, folding the elements in index order. */
    protected void reduction(Stmt.Reduce r) {
        open("for (int " + r.var() + " = 0; " + r.var() + " < " + expr(r.extent()) + "; " + r.var() + "++)");
        body(r.body());
        close("");
    }

    /** The outermost parallel loop: split over the target's cores or threads. */
    protected abstract void parallelLoop(Stmt.Loop l);

    protected abstract String typeName(Type t);

    protected abstract String scalar(Expr.ModelScalar s);

    /** Inverted dropout's factor: 0 with probability rate, else 1/(1 - rate); 1 outside training. */
    protected abstract String dropoutFactor(Expr.DropoutFactor d, String index);


    public String expr(Expr e) {
        return switch (e) {
            case Expr.Var v -> v.name();
            case Expr.IntConst c -> dialect.intLiteral(c.value());
            case Expr.FloatConst c -> dialect.floatLiteral(c.value());
            case Expr.DoubleConst c -> dialect.doubleLiteral(c.value());
            case Expr.Size s -> s.size().toString();
            case Expr.Scalar s -> scalar(s.which());
            case Expr.Load l -> l.buf().name() + "[" + expr(l.index()) + "]";
            case Expr.Neg n -> "-" + atom(n.x());
            case Expr.Binary b -> scalars.binary(b.fn(), atom(b.a()), atom(b.b()), b.isFloat());
            case Expr.Arith a -> atom(a.a()) + " " + a.op() + " " + atom(a.b());
            case Expr.Call c -> c.type() == Type.DOUBLE ? dialect.doubleFunction(c.fn()) + "(" + expr(c.x()) + ")" : dialect.call(c.fn(), expr(c.x()));
            case Expr.Pow p -> dialect.pow(expr(p.base()), expr(p.exponent()));
            case Expr.Cast c -> "(" + typeName(c.to()) + ") " + atom(c.x());
            case Expr.Select s -> dialect.select(expr(s.cond()), expr(s.a()), expr(s.b()));
            case Expr.DropoutFactor d -> dropoutFactor(d, expr(d.index()));
        };
    }

    /** An operand: parenthesised unless it is a name, a literal, an element or a call. */
    protected final String atom(Expr e) {
        String s = expr(e);
        boolean simple = switch (e) {
            case Expr.Var v -> true;
            case Expr.IntConst c -> true;
            case Expr.FloatConst c -> true;
            case Expr.DoubleConst c -> true;
            case Expr.Scalar s2 -> true;
            case Expr.Load l -> true;
            case Expr.Size s2 -> s2.size().factor().equals(s);
            case Expr.Call c -> true;
            case Expr.Pow p -> true;
            case Expr.Select s2 -> true;
            case Expr.Neg n -> false;
            case Expr.Binary b -> false;
            case Expr.Arith a -> false;
            case Expr.Cast c -> false;
            case Expr.DropoutFactor d -> false;
        };
        return simple || s.startsWith("(") && balancedOuter(s) ? s : "(" + s + ")";
    }

    private static boolean balancedOuter(String s) {
        int level = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '(') level++;
            else if (c == ')' && --level == 0 && k < s.length() - 1) return false;
        }
        return s.endsWith(")");
    }
}
