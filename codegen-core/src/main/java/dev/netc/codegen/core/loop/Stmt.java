package dev.netc.codegen.core.loop;

import dev.netc.ir.ReduceFn;
import java.util.List;

/** Statements of a loop kernel: loops over index spaces, locals, stores, conditions, comments. */
public sealed interface Stmt {

    /**
     * {@code for (var = start; var < extent; var++)}. A PARALLEL loop (start 0) has independent
     * iterations: the outermost one is split over cores (Java) or threads (CUDA); nested ones run serially.
     */
    record Loop(String var, Expr start, Expr extent, boolean parallel, List<Stmt> body) implements Stmt {
        public Loop { body = List.copyOf(body); }
    }

    /**
     * A reduction loop: {@code for (var = 0; var < extent; var++) body}, where the body folds each element
     * into the float local {@code acc} (declared before, holding fn's identity) by fn. Iterations differ
     * only in the element they fold in, so a printer may split them over threads and merge the partial
     * accumulators (sum or max) in a fixed order; printed as a serial loop, it adds in index order.
     */
    record Reduce(String acc, ReduceFn fn, String var, Expr extent, List<Stmt> body) implements Stmt {
        public Reduce { body = List.copyOf(body); }
    }

    /** Declares a local. */
    record Let(String name, Type type, Expr value) implements Stmt {}

    /** Assigns an existing local. */
    record Assign(String name, Expr value) implements Stmt {}

    /** {@code buf[index] = value}, or {@code +=} when accumulating. */
    record Store(Buf buf, Expr index, Expr value, boolean accumulate) implements Stmt {}

    record If(Expr cond, List<Stmt> then, List<Stmt> otherwise) implements Stmt {
        public If { then = List.copyOf(then); otherwise = List.copyOf(otherwise); }
    }

    record Comment(String text) implements Stmt {}

    static Loop parallel(String var, Expr extent, List<Stmt> body) { return new Loop(var, Expr.i(0), extent, true, body); }

    static Loop serial(String var, Expr extent, List<Stmt> body) { return new Loop(var, Expr.i(0), extent, false, body); }

    /** {@code for (var = start; var < end; var++)}, serial. */
    static Loop range(String var, Expr start, Expr end, List<Stmt> body) { return new Loop(var, start, end, false, body); }
}
