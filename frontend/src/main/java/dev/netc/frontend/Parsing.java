package dev.netc.frontend;

import dev.netc.grammar.NetLexer;
import dev.netc.grammar.NetParser;
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
 * error (or one SLL cannot decide) is parsed again in full LL mode with recovery, and that pass stops
 * after {@link #MAX_SYNTAX_ERRORS} errors so that garbage input stays cheap.
 */
final class Parsing {
    static final int MAX_SYNTAX_ERRORS = 20;

    private Parsing() {}

    /** The parse tree, or empty when the file has syntax errors (reported to {@code diags}). */
    static Optional<NetParser.ProgramContext> parse(SourceFile file, Diagnostics diags) {
        if (!rejectBinary(file, diags)) return Optional.empty();
        NetLexer lexer = new NetLexer(CharStreams.fromString(file.text(), file.name()));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
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
            parser.addErrorListener(new Collector(diags));
            NetParser.ProgramContext tree;
            try {
                tree = parser.program();
            } catch (TooManyErrors e) {
                diags.noteOnLast("stopped after " + MAX_SYNTAX_ERRORS + " syntax errors");
                return Optional.empty();
            }
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
            diags.error(span, message);
            if (++count >= MAX_SYNTAX_ERRORS) throw new TooManyErrors();
        }
    }
}
