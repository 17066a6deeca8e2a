package dev.netc.codegen.core.loop;

import java.util.List;

/** Statements of a loop kernel: loops over index spaces, locals, stores, conditions, comments. */
public sealed interface Stmt {

    /**
     * {@code for (var = 0; var < extent; var++)}. A PARALLEL loop's iterations are independent: the
     * outermost one is split over cores (Java) or threads (CUDA); nested ones run serially.
     */
    record Loop(String var, Expr extent, boolean parallel, List<Stmt> body) implements Stmt {
        public Loop { body = List.copyOf(body); }
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

    static Loop parallel(String var, Expr extent, List<Stmt> body) { return new Loop(var, extent, true, body); }

    static Loop serial(String var, Expr extent, List<Stmt> body) { return new Loop(var, extent, false, body); }
}
