package dev.netc.frontend;

import dev.netc.grammar.NetParser;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/** Turns a parse tree without syntax errors into the {@link Ast}. */
final class AstBuilder {
    private AstBuilder() {}

    static Ast.Program program(NetParser.ProgramContext ctx) {
        List<Ast.Item> items = new ArrayList<>();
        for (NetParser.ItemContext item : ctx.item()) {
            if (item.modelDecl() != null) {
                var m = item.modelDecl();
                items.add(new Ast.Model(m.ID().getText(), span(m.ID()), body(m.body())));
            } else if (item.blockDecl() != null) {
                var b = item.blockDecl();
                List<Ast.Name> params = new ArrayList<>();
                for (TerminalNode p : b.ID().subList(1, b.ID().size())) params.add(name(p));
                items.add(new Ast.Block(b.ID(0).getText(), span(b.ID(0)), params, body(b.body())));
            } else {
                var t = item.trainDecl();
                items.add(new Ast.Train(t.ID().getText(), span(t.ID()), body(t.body())));
            }
        }
        return new Ast.Program(items);
    }

    private static List<Ast.Stmt> body(NetParser.BodyContext ctx) {
        List<Ast.Stmt> out = new ArrayList<>();
        for (NetParser.StmtContext s : ctx.stmt()) out.add(stmt(s));
        return out;
    }

    private static Ast.Stmt stmt(NetParser.StmtContext ctx) {
        SourceSpan span = Spans.of(ctx);
        return switch (ctx) {
            case NetParser.InputStmtContext s -> new Ast.Input(name(s.ID()), type(s.type()), span);
            case NetParser.ParamStmtContext s ->
                    new Ast.Param(s.FROZEN() != null, name(s.ID()), type(s.type()), s.expr() == null ? null : expr(s.expr()), span);
            case NetParser.AssignStmtContext s -> new Ast.Assign(name(s.ID()), expr(s.expr()), span);
            case NetParser.OutputStmtContext s -> new Ast.Output(s.ID().stream().map(AstBuilder::name).toList(), span);
            case NetParser.ReturnStmtContext s -> new Ast.Return(expr(s.expr()), span);
            default -> throw new IllegalStateException("unknown statement " + ctx.getClass().getSimpleName());
        };
    }

    private static Ast.Type type(NetParser.TypeContext ctx) {
        List<Ast.Dim> dims = new ArrayList<>();
        for (NetParser.DimContext d : ctx.dim())
            dims.add(new Ast.Dim(d.getText(), d.ID() != null, Spans.of(d)));
        return new Ast.Type(name(ctx.ID()), dims, Spans.of(ctx));
    }

    static Ast.Expr expr(NetParser.ExprContext ctx) {
        SourceSpan span = Spans.of(ctx);
        return switch (ctx) {
            case NetParser.NegateContext e -> new Ast.Negate(expr(e.expr()), span);
            case NetParser.MulDivContext e -> binary(e.op, e.expr(0), e.expr(1), span);
            case NetParser.AddSubContext e -> binary(e.op, e.expr(0), e.expr(1), span);
            case NetParser.ParenContext e -> expr(e.expr());
            case NetParser.NumberContext e -> new Ast.Number(Double.parseDouble(e.getText()), e.getText(), span);
            case NetParser.StringContext e -> new Ast.Str(unquote(e.getText()), span);
            case NetParser.NameContext e -> new Ast.Name(e.getText(), span);
            case NetParser.ListContext e -> new Ast.ListLit(e.expr().stream().map(AstBuilder::expr).toList(), span);
            case NetParser.CallContext e -> {
                List<Ast.Arg> args = new ArrayList<>();
                for (NetParser.ArgContext a : e.arg())
                    args.add(new Ast.Arg(a.ID() == null ? null : name(a.ID()), expr(a.expr())));
                yield new Ast.Call(name(e.ID()), args, span);
            }
            default -> throw new IllegalStateException("unknown expression " + ctx.getClass().getSimpleName());
        };
    }

    private static Ast.Expr binary(Token op, NetParser.ExprContext l, NetParser.ExprContext r, SourceSpan span) {
        return new Ast.Binary(op.getText().charAt(0), expr(l), expr(r), span);
    }

    private static Ast.Name name(TerminalNode id) { return new Ast.Name(id.getText(), span(id)); }

    private static SourceSpan span(TerminalNode n) { return Spans.of(n.getSymbol()); }

    private static String unquote(String quoted) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length() - 1) {
                char n = quoted.charAt(++i);
                sb.append(switch (n) { case 'n' -> '\n'; case 't' -> '\t'; default -> n; });
            } else sb.append(c);
        }
        return sb.toString();
    }
}
