package dev.netc.codegen.core.loop;

import java.util.List;
import java.util.function.Consumer;

/** Visits what loop statements contain, for printers and analyses that collect facts (buffers read, dropout streams). */
public final class Walk {
    private Walk() {}

    /** Every statement, nested ones included, in order. */
    public static void statements(List<Stmt> body, Consumer<Stmt> visit) {
        for (Stmt s : body) {
            visit.accept(s);
            switch (s) {
                case Stmt.Loop l -> statements(l.body(), visit);
                case Stmt.Reduce r -> statements(r.body(), visit);
                case Stmt.If f -> {
                    statements(f.then(), visit);
                    statements(f.otherwise(), visit);
                }
                case Stmt.Let l -> { }
                case Stmt.Assign a -> { }
                case Stmt.Store st -> { }
                case Stmt.Comment c -> { }
            }
        }
    }

    /** Every expression the statements evaluate, subexpressions included. */
    public static void expressions(List<Stmt> body, Consumer<Expr> visit) {
        statements(body, s -> {
            switch (s) {
                case Stmt.Loop l -> {
                    expression(l.start(), visit);
                    expression(l.extent(), visit);
                }
                case Stmt.Reduce r -> expression(r.extent(), visit);
                case Stmt.Let l -> expression(l.value(), visit);
                case Stmt.Assign a -> expression(a.value(), visit);
                case Stmt.Store st -> {
                    expression(st.index(), visit);
                    expression(st.value(), visit);
                }
                case Stmt.If f -> expression(f.cond(), visit);
                case Stmt.Comment c -> { }
            }
        });
    }

    /** An expression and its subexpressions. */
    public static void expression(Expr e, Consumer<Expr> visit) {
        visit.accept(e);
        switch (e) {
            case Expr.DropoutFactor d -> expression(d.index(), visit);
            case Expr.Load l -> expression(l.index(), visit);
            case Expr.Neg n -> expression(n.x(), visit);
            case Expr.Binary b -> {
                expression(b.a(), visit);
                expression(b.b(), visit);
            }
            case Expr.Arith a -> {
                expression(a.a(), visit);
                expression(a.b(), visit);
            }
            case Expr.Call c -> expression(c.x(), visit);
            case Expr.Pow p -> {
                expression(p.base(), visit);
                expression(p.exponent(), visit);
            }
            case Expr.Cast c -> expression(c.x(), visit);
            case Expr.Select s -> {
                expression(s.cond(), visit);
                expression(s.a(), visit);
                expression(s.b(), visit);
            }
            case Expr.Var v -> { }
            case Expr.IntConst c -> { }
            case Expr.FloatConst c -> { }
            case Expr.DoubleConst c -> { }
            case Expr.Size s -> { }
            case Expr.Scalar s -> { }
        }
    }
}
