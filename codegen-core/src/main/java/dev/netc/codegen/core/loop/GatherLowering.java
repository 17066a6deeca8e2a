package dev.netc.codegen.core.loop;

import static dev.netc.codegen.core.loop.Expr.add;
import static dev.netc.codegen.core.loop.Expr.i;
import static dev.netc.codegen.core.loop.Expr.mul;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.size;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Shape;
import java.util.List;

/**
 * The lowering of the embedding lookup ({@link dev.netc.ir.Gather}) and of its gradient, a
 * scatter-add ({@link dev.netc.ir.Gather.Grad}). Both read ids as gathered loads (the vectoriser
 * leaves such loops scalar) and treat an id outside the table as a zero row, as the reference does.
 */
final class GatherLowering {
    private GatherLowering() {}

    /** out[p, k] = table[ids[p], k], or 0 for an id out of range: one parallel loop over the output. */
    static List<Stmt> gather(Shape table, Shape y, Buf tableBuf, Buf ids, Buf out) {
        int rows = table.size(0), d = table.size(1);
        Expr id = var("id");
        // the clamped row keeps the load in bounds whichever branch a target evaluates
        Expr row = new Expr.Binary(BinaryFn.MAX, new Expr.Binary(BinaryFn.MIN, id, i(rows - 1), false), i(0), false);
        Expr value = new Expr.Select(op(id, ">=", i(0)), new Expr.Select(op(id, "<", i(rows)),
                OpLowering.load(tableBuf, add(mul(row, i(d)), op(var("i"), "%", i(d)))), Expr.f(0)), Expr.f(0));
        return List.of(Stmt.parallel("i", OpLowering.count(y), List.of(
                new Stmt.Let("id", Type.INT, OpLowering.load(ids, op(var("i"), "/", i(d)))),
                new Stmt.Store(out, var("i"), value, false))));
    }

    /**
     * out[v, k] = sum of dy[p, k] over the positions p (in increasing order) whose id is v: parallel
     * over the feature column k, so no two iterations write the same element and no atomics are
     * needed; each column is zeroed, then every position adds its dy into its id's row.
     */
    static List<Stmt> gatherGrad(Shape idsShape, Shape y, Buf ids, Buf dy, Buf out) {
        int rows = y.size(0), d = y.size(1);
        Expr positions = size(SizeExpr.count(idsShape));
        Expr id = var("id");
        return List.of(Stmt.parallel("k", i(d), List.of(
                Stmt.serial("v", i(rows), List.of(new Stmt.Store(out, add(mul(var("v"), i(d)), var("k")), Expr.f(0), false))),
                Stmt.serial("p", positions, List.of(
                        new Stmt.Let("id", Type.INT, OpLowering.load(ids, var("p"))),
                        new Stmt.If(op(id, ">=", i(0)), List.of(new Stmt.If(op(id, "<", i(rows)), List.of(new Stmt.Store(out,
                                add(mul(id, i(d)), var("k")), OpLowering.load(dy, add(mul(var("p"), i(d)), var("k"))), true)),
                                List.of())), List.of()))))));
    }
}
