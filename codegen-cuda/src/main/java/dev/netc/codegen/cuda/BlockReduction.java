package dev.netc.codegen.cuda;

import dev.netc.codegen.core.loop.Expr;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.codegen.core.loop.Walk;
import java.util.List;
import java.util.Optional;

/**
 * A parallel loop whose iterations each reduce many elements, split as {@link CudaLoopPrinter} runs it
 * with one block per iteration: the statements before the reduction (locals only, which every thread
 * of the block evaluates), the reduction, and those after it (thread 0 alone, with the merged result).
 * A loop qualifies when its reduction folds at least {@link #MIN_ELEMENTS} elements at the nominal
 * batch and nothing after it loops again (a second pass over the elements stays one thread per output).
 */
record BlockReduction(List<Stmt> before, Stmt.Reduce reduce, List<Stmt> after) {

    /** Fewer elements per output than this are summed by one thread: a block would idle (4 per thread). */
    static final int MIN_ELEMENTS = 4 * CudaLoopPrinter.THREADS;

    /** The loop split around its reduction, or empty when it does not qualify. */
    static Optional<BlockReduction> of(Stmt.Loop l) { return Optional.ofNullable(split(l)); }

    private static BlockReduction split(Stmt.Loop l) {
        List<Stmt> body = l.body();
        for (int i = 0; i < body.size(); i++) {
            Stmt s = body.get(i);
            if (s instanceof Stmt.Reduce r) {
                List<Stmt> after = body.subList(i + 1, body.size());
                boolean[] loops = {false};
                Walk.statements(after, t -> loops[0] |= t instanceof Stmt.Loop || t instanceof Stmt.Reduce);
                return loops[0] || elements(r.extent()) < MIN_ELEMENTS ? null : new BlockReduction(body.subList(0, i), r, after);
            }
            if (!(s instanceof Stmt.Let || s instanceof Stmt.Comment)) return null;
        }
        return null;
    }

    /** The element count at the nominal batch. */
    private static long elements(Expr extent) {
        if (extent instanceof Expr.IntConst c) return c.value();
        if (extent instanceof Expr.Size s) return GemmTiling.at(s.size(), GemmTiling.NOMINAL_BATCH);
        return 0;  // a computed extent: not known here, so not split
    }
}
