package dev.netc.frontend;

import dev.netc.grammar.NetLexer;
import dev.netc.grammar.NetParser;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.FailedPredicateException;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;

/** ANTLR's recovery with messages in the user's words: "expected '}' but found 'model'". */
final class FriendlyErrorStrategy extends DefaultErrorStrategy {

    @Override protected void reportNoViableAlternative(Parser p, NoViableAltException e) {
        Token t = e.getOffendingToken();
        // The expected set is computed where the decision started, which may lie before the offending
        // token; when it contains the offending token it would read "expected ',' but found ','".
        IntervalSet set = e.getExpectedTokens();
        String expected = set == null || set.contains(t.getType()) ? "" : describe(p, set, t);
        p.notifyErrorListeners(t, expected.isEmpty() || t.getType() == NetLexer.ERROR_CHAR
                ? "unexpected " + describe(t) : "expected " + expected + " but found " + describe(t), e);
    }

    @Override protected void reportInputMismatch(Parser p, InputMismatchException e) {
        Token t = e.getOffendingToken();
        p.notifyErrorListeners(t, "expected " + describe(p, e.getExpectedTokens(), t) + " but found " + describe(t), e);
    }

    @Override protected void reportFailedPredicate(Parser p, FailedPredicateException e) {
        p.notifyErrorListeners(e.getOffendingToken(), "unexpected " + describe(e.getOffendingToken()), e);
    }

    @Override protected void reportUnwantedToken(Parser p) {
        if (inErrorRecoveryMode(p)) return;
        beginErrorCondition(p);
        Token t = p.getCurrentToken();
        p.notifyErrorListeners(t, t.getType() == NetLexer.ERROR_CHAR ? "unexpected " + describe(t)
                : "expected " + describe(p, getExpectedTokens(p), t) + " but found " + describe(t), null);
    }

    @Override protected void reportMissingToken(Parser p) {
        if (inErrorRecoveryMode(p)) return;
        beginErrorCondition(p);
        Token t = p.getCurrentToken();
        p.notifyErrorListeners(t, "expected " + describe(p, getExpectedTokens(p), t) + " but found " + describe(t), null);
    }

    static String describe(Token t) {
        return switch (t.getType()) {
            case Token.EOF -> "end of file";
            case NetLexer.ERROR_CHAR -> describeChar(t.getText().isEmpty() ? 0 : t.getText().codePointAt(0));
            case NetLexer.STRING -> "string " + shorten(t.getText());
            default -> "'" + shorten(t.getText()) + "'";
        };
    }

    /** A character as a message shows it: invisible ones by code point only, other non-ASCII ones with it. */
    static String describeChar(int c) {
        boolean invisible = c < 0x20 || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c)
                || Character.isSpaceChar(c) || Character.getType(c) == Character.FORMAT || !Character.isDefined(c);
        if (invisible) return "character U+%04X".formatted(c);
        String shown = Character.toString(c);
        return c < 0x80 ? "character '" + shown + "'" : "character '%s' (U+%04X)".formatted(shown, c);
    }

    /**
     * The expected token set in words. Statement and expression starters collapse to "a statement"
     * and "an expression"; an unclosed body before a new item or the end of the file says just '}'.
     */
    private static String describe(Parser p, IntervalSet expected, Token found) {
        if (expected == null || expected.isNil()) return "";
        List<Integer> types = expected.toList();
        List<String> words = new ArrayList<>();
        boolean statement = types.contains(NetParser.INPUT) && types.contains(NetParser.PARAM);
        boolean expression = types.contains(NetParser.NUMBER) && types.contains(NetParser.ID) && types.contains(tokenType(p, "'('"));
        int ft = found.getType();
        boolean newItem = ft == Token.EOF || ft == NetParser.MODEL || ft == NetParser.BLOCK || ft == NetParser.TRAIN;
        if (statement && newItem && types.contains(closeBrace(p))) return "'}'";
        boolean operator = !expression && types.stream().filter(t -> isOperator(p, t)).count() >= 2;
        if (statement) words.add("a statement");
        else if (expression) words.add("an expression");
        if (operator) words.add("an operator");
        for (int type : types) {
            if (statement && (isStatementStart(type) || type == tokenType(p, "';'"))) continue;
            if (expression && isExpressionStart(p, type)) continue;
            if (operator && isOperator(p, type)) continue;
            words.add(tokenName(p, type));
        }
        if (words.size() > 6) return String.join(", ", words.subList(0, 6)) + ", ...";
        if (words.size() == 1) return words.getFirst();
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.getLast();
    }

    private static int closeBrace(Parser p) { return tokenType(p, "'}'"); }

    private static int tokenType(Parser p, String literal) {
        var v = p.getVocabulary();
        for (int i = 0; i <= v.getMaxTokenType(); i++) if (literal.equals(v.getLiteralName(i))) return i;
        return -1;
    }

    private static boolean isStatementStart(int type) {
        return type == NetParser.INPUT || type == NetParser.PARAM || type == NetParser.FROZEN
                || type == NetParser.OUTPUT || type == NetParser.RETURN || type == NetParser.ID;
    }

    private static boolean isExpressionStart(Parser p, int type) {
        String lit = p.getVocabulary().getLiteralName(type);
        return type == NetParser.NUMBER || type == NetParser.STRING || type == NetParser.ID
                || "'-'".equals(lit) || "'('".equals(lit) || "'['".equals(lit);
    }

    private static boolean isOperator(Parser p, int type) {
        String lit = p.getVocabulary().getLiteralName(type);
        return "'+'".equals(lit) || "'-'".equals(lit) || "'*'".equals(lit) || "'/'".equals(lit);
    }

    private static String tokenName(Parser p, int type) {
        if (type == Token.EOF) return "end of file";
        if (type == NetParser.ID) return "a name";
        if (type == NetParser.NUMBER) return "a number";
        if (type == NetParser.STRING) return "a string";
        String lit = p.getVocabulary().getLiteralName(type);
        return lit != null ? lit : p.getVocabulary().getDisplayName(type);
    }

    private static String shorten(String s) { return s.length() > 40 ? s.substring(0, 37) + "..." : s; }
}
