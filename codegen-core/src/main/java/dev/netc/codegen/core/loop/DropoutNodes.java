package dev.netc.codegen.core.loop;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The dropout nodes whose masks some statements draw, so a printer can set up each random stream once. */
public final class DropoutNodes {
    private DropoutNodes() {}

    public static Set<Integer> in(List<Stmt> body) {
        Set<Integer> out = new TreeSet<>();
        Walk.expressions(body, e -> {
            if (e instanceof Expr.DropoutFactor d) out.add(d.node());
        });
        return out;
    }
}
