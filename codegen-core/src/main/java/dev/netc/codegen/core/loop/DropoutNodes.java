package dev.netc.codegen.core.loop;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The dropout nodes whose masks some statements draw, so a printer can set up each random stream once. */
public final class DropoutNodes {
    private DropoutNodes() {}

    public static Set<Integer> in(List<Stmt> body) {
        Set<Integer> out = new TreeSet<>();
        for (Stmt s : body) stmt(s, out);
        return out;
    }

    private static void stmt(Stmt s, Set<Integer> out) {
        switch (s) {
            case Stmt.Loop l -> {
                expr(l.start(), out);
                expr(l.extent(), out);
                for (Stmt b : l.body()) stmt(b, out);
            }
            case Stmt.Let l -> expr(l.value(), out);
            case Stmt.Assign a -> expr(a.value(), out);
            case Stmt.Store st -> {
                expr(st.index(), out);
                expr(st.value(), out);
            }
            case Stmt.If f -> {
                expr(f.cond(), out);
                for (Stmt b : f.then()) stmt(b, out);
                for (Stmt b : f.otherwise()) stmt(b, out);
            }
            case Stmt.Comment c -> { }
        }
    }

    private static void expr(Expr e, Set<Integer> out) {
        switch (e) {
            case Expr.DropoutFactor d -> {
                out.add(d.node());
                expr(d.index(), out);
            }
            case Expr.Load l -> expr(l.index(), out);
            case Expr.Neg n -> expr(n.x(), out);
            case Expr.Binary b -> {
                expr(b.a(), out);
                expr(b.b(), out);
            }
            case Expr.Arith a -> {
                expr(a.a(), out);
                expr(a.b(), out);
            }
            case Expr.Call c -> expr(c.x(), out);
            case Expr.Pow p -> {
                expr(p.base(), out);
                expr(p.exponent(), out);
            }
            case Expr.Cast c -> expr(c.x(), out);
            case Expr.Select s -> {
                expr(s.cond(), out);
                expr(s.a(), out);
                expr(s.b(), out);
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
