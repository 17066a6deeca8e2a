package dev.netc.frontend;

import dev.netc.grammar.NetLexer;
import dev.netc.grammar.NetParser;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Text to parse tree. Fast path: SLL prediction that bails at the first error; only a file with an
 * error (or one SLL cannot decide) is parsed again in full LL mode with recovery. That pass reports the
 * first {@link #MAX_SYNTAX_ERRORS} errors, counts the rest without reporting them, and stops counting
 * at {@link #MAX_COUNTED_ERRORS} so that garbage input stays cheap.
 */
final class Parsing {
    static final int MAX_SYNTAX_ERRORS = 20;
    static final int MAX_COUNTED_ERRORS = 1000;

    private Parsing() {}

    /** The parse tree, or empty when the file has syntax errors (reported to {@code diags}). */
    static Optional<NetParser.ProgramContext> parse(SourceFile file, Diagnostics diags) {
        if (!rejectBinary(file, diags)) return Optional.empty();
        NetLexer lexer = new NetLexer(CharStreams.fromString(file.text(), file.name()));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        if (!rejectNonAsciiNames(tokens, diags)) return Optional.empty();
        NetParser parser = new NetParser(tokens);
        parser.removeErrorListeners();
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        parser.setErrorHandler(new BailErrorStrategy());
        try {
            return Optional.of(parser.program());
        } catch (ParseCancellationException slowPath) {
            tokens.seek(0);
            parser.reset();
            parser.getInterpreter().setPredictionMode(PredictionMode.LL);
            parser.setErrorHandler(new FriendlyErrorStrategy());
            Collector collector = new Collector(diags);
            parser.addErrorListener(collector);
            NetParser.ProgramContext tree;
            try {
                tree = parser.program();
            } catch (TooManyErrors e) {
                diags.omitted(MAX_COUNTED_ERRORS - MAX_SYNTAX_ERRORS, false);
                return Optional.empty();
            }
            if (collector.count > MAX_SYNTAX_ERRORS) diags.omitted(collector.count - MAX_SYNTAX_ERRORS, true);
            return parser.getNumberOfSyntaxErrors() == 0 && !diags.hasErrors() ? Optional.of(tree) : Optional.empty();
        }
    }

    /** One clear error for a file holding control characters (binary data) instead of thousands of syntax errors. */
    private static boolean rejectBinary(SourceFile file, Diagnostics diags) {
        String text = file.text();
        int line = 1, col = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') { line++; col = 1; continue; }
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\f') || c == 0x7f || c == '\uFFFD') {
                diags.error(new SourceSpan(line, col, 1),
                        "%s does not look like a .net source file: it contains the control character U+%04X (binary data?)"
                                .formatted(file.name(), (int) c));
                return false;
            }
            col++;
        }
        return true;
    }

    /**
     * One clear error per word with a non-ASCII letter or digit in it ("héllo"), instead of the syntax
     * errors its pieces would cause. Comments and strings may hold any text.
     */
    private static boolean rejectNonAsciiNames(CommonTokenStream tokens, Diagnostics diags) {
        tokens.fill();
        List<Token> all = tokens.getTokens();
        boolean clean = true;
        for (int i = 0; i < all.size(); i++) {
            if (!isNonAsciiLetter(all.get(i))) continue;
            // the whole word: the name and bad-character tokens that touch this one
            int from = i, to = i;
            while (from > 0 && isWordPart(all.get(from - 1)) && touches(all.get(from - 1), all.get(from))) from--;
            while (to + 1 < all.size() && isWordPart(all.get(to + 1)) && touches(all.get(to), all.get(to + 1))) to++;
            Token first = all.get(from), last = all.get(to);
            StringBuilder word = new StringBuilder();
            for (int j = from; j <= to; j++) word.append(all.get(j).getText());
            int c = all.get(i).getText().codePointAt(0);
            diags.error(new SourceSpan(first.getLine(), first.getCharPositionInLine() + 1, last.getStopIndex() - first.getStartIndex() + 1),
                    "names must be ASCII letters, digits and '_': '" + word + "' contains " + FriendlyErrorStrategy.describeChar(c),
                    List.of("non-ASCII text may appear in comments and strings only"));
            clean = false;
            i = to;
        }
        return clean;
    }

    private static boolean isNonAsciiLetter(Token t) {
        if (t.getType() != NetLexer.ERROR_CHAR || t.getText().isEmpty()) return false;
        int c = t.getText().codePointAt(0);
        return c >= 0x80 && (Character.isLetterOrDigit(c) || Character.getType(c) == Character.NON_SPACING_MARK
                || Character.getType(c) == Character.COMBINING_SPACING_MARK);
    }

    private static boolean isWordPart(Token t) {
        return t.getType() == NetLexer.ID || t.getType() == NetLexer.NUMBER || isNonAsciiLetter(t)
                || t.getType() >= 0 && t.getText().matches("[A-Za-z_]+");  // keywords (model, input, ...) too
    }

    private static boolean touches(Token a, Token b) { return a.getStopIndex() + 1 == b.getStartIndex(); }

    private static final class TooManyErrors extends RuntimeException {
        TooManyErrors() { super("too many syntax errors", null, false, false); }
    }

    private static final class Collector extends BaseErrorListener {
        private final Diagnostics diags;
        private int count;
        private int lastTokenIndex = -1;

        Collector(Diagnostics diags) { this.diags = diags; }

        @Override public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col,
                                          String message, RecognitionException e) {
            SourceSpan span = offending instanceof Token t ? Spans.of(t) : new SourceSpan(Math.max(1, line), col + 1, 1);
            int index = offending instanceof Token t ? t.getTokenIndex() : -1;
            if (index >= 0 && index == lastTokenIndex) return; // one error per offending token
            lastTokenIndex = index;
            if (++count <= MAX_SYNTAX_ERRORS) diags.error(span, message);
            if (count >= MAX_COUNTED_ERRORS) throw new TooManyErrors();
        }
    }
}
