package dev.netc.frontend;

import java.util.List;

/** The syntax tree of a .net file: what the user wrote, with source positions, before any checking. */
final class Ast {
    private Ast() {}

    record Program(List<Item> items) {
        Program { items = List.copyOf(items); }
    }

    sealed interface Item permits Model, Block, Train {
        String name();
        SourceSpan nameSpan();
        List<Stmt> body();
    }

    record Model(String name, SourceSpan nameSpan, List<Stmt> body) implements Item {
        Model { body = List.copyOf(body); }
    }

    record Block(String name, SourceSpan nameSpan, List<Name> params, List<Stmt> body) implements Item {
        Block { params = List.copyOf(params); body = List.copyOf(body); }
    }

    /** A train block; {@code name} is the model it trains. */
    record Train(String name, SourceSpan nameSpan, List<Stmt> body) implements Item {
        Train { body = List.copyOf(body); }
    }

    sealed interface Stmt permits Input, Param, Assign, Output, Return {
        SourceSpan span();
    }

    record Input(Name name, Type type, SourceSpan span) implements Stmt {}

    record Param(boolean frozen, Name name, Type type, Expr init, SourceSpan span) implements Stmt {}

    record Assign(Name name, Expr value, SourceSpan span) implements Stmt {}

    record Output(List<Name> names, SourceSpan span) implements Stmt {
        Output { names = List.copyOf(names); }
    }

    record Return(Expr value, SourceSpan span) implements Stmt {}

    /** {@code f32[B, 784]}: the element type as written (checked later) and its dimensions. */
    record Type(Name dtype, List<Dim> dims, SourceSpan span) {
        Type { dims = List.copyOf(dims); }
    }

    /** A dimension: a number literal (text kept for checking) or a name. */
    record Dim(String text, boolean isName, SourceSpan span) {}

    sealed interface Expr permits Number, Name, Str, ListLit, Call, Binary, Negate {
        SourceSpan span();
    }

    record Number(double value, String text, SourceSpan span) implements Expr {}

    record Name(String name, SourceSpan span) implements Expr {}

    record Str(String value, SourceSpan span) implements Expr {}

    record ListLit(List<Expr> items, SourceSpan span) implements Expr {
        ListLit { items = List.copyOf(items); }
    }

    /** A call; positional arguments have a null name. */
    record Call(Name callee, List<Arg> args, SourceSpan span) implements Expr {
        Call { args = List.copyOf(args); }
    }

    record Arg(Name name, Expr value) {
        SourceSpan span() { return name == null ? value.span() : name.span(); }
    }

    record Binary(char op, Expr left, Expr right, SourceSpan span) implements Expr {}

    record Negate(Expr operand, SourceSpan span) implements Expr {}
}
