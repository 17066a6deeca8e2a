package dev.netc.codegen.core.loop;

/** Rebuilds expressions with one variable replaced: a printer evaluates a load's index at another loop index. */
public final class Rewrite {
    private Rewrite() {}

    /** {@code e} with every {@code Var(name)} replaced by {@code with}. */
    public static Expr replaceVar(Expr e, String name, Expr with) {
        return switch (e) {
            case Expr.Var v -> v.name().equals(name) ? with : v;
            case Expr.IntConst c -> c;
            case Expr.FloatConst c -> c;
            case Expr.DoubleConst c -> c;
            case Expr.Size s -> s;
            case Expr.Scalar s -> s;
            case Expr.Load l -> new Expr.Load(l.buf(), replaceVar(l.index(), name, with), l.lanes());
            case Expr.Neg n -> new Expr.Neg(replaceVar(n.x(), name, with));
            case Expr.Binary b -> new Expr.Binary(b.fn(), replaceVar(b.a(), name, with), replaceVar(b.b(), name, with), b.isFloat());
            case Expr.Arith a -> new Expr.Arith(a.op(), replaceVar(a.a(), name, with), replaceVar(a.b(), name, with));
            case Expr.Call c -> new Expr.Call(c.fn(), replaceVar(c.x(), name, with), c.type());
            case Expr.Pow p -> new Expr.Pow(replaceVar(p.base(), name, with), replaceVar(p.exponent(), name, with));
            case Expr.Cast c -> new Expr.Cast(c.to(), replaceVar(c.x(), name, with));
            case Expr.Select s -> new Expr.Select(replaceVar(s.cond(), name, with), replaceVar(s.a(), name, with),
                    replaceVar(s.b(), name, with));
            case Expr.DropoutFactor d -> new Expr.DropoutFactor(d.node(), replaceVar(d.index(), name, with), d.rate());
        };
    }
}
