package dev.netc.frontend;

import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;

/** Source spans of tokens and parse-tree nodes. */
final class Spans {
    private Spans() {}

    static SourceSpan of(Token t) {
        int length = t.getType() == Token.EOF ? 1 : Math.max(1, t.getStopIndex() - t.getStartIndex() + 1);
        return new SourceSpan(Math.max(1, t.getLine()), t.getCharPositionInLine() + 1, length);
    }

    /** From the first token of the node to its last; the renderer clips it at the end of the first line. */
    static SourceSpan of(ParserRuleContext ctx) {
        Token start = ctx.getStart(), stop = ctx.getStop();
        if (stop == null || stop.getStopIndex() < start.getStartIndex()) return of(start);
        return new SourceSpan(start.getLine(), start.getCharPositionInLine() + 1,
                Math.max(1, stop.getStopIndex() - start.getStartIndex() + 1));
    }

    static SourceSpan start() { return new SourceSpan(1, 1, 1); }

    static String at(SourceSpan s) { return s.line() + ":" + s.column(); }
}
