package dev.netc.frontend;

import java.util.List;

/**
 * Renders diagnostics javac/rustc style:
 * <pre>
 * model.net:12:15: error: matmul: inner dimensions differ: [B, 3136] x [3137, 1024]
 *     h = matmul(h, w)
 *         ^~~~~~~~~~~~
 *     = note: ...
 * </pre>
 */
public final class DiagnosticRenderer {
    /** At most this many diagnostics are printed by {@link #renderAll}. */
    public static final int MAX_SHOWN = 50;
    private static final int MAX_LINE = 120;
    private static final String INDENT = "    ";

    private DiagnosticRenderer() {}

    /** One diagnostic: header line, source line, caret line and notes, each ending with a newline. */
    public static String render(Diagnostic d) {
        SourceSpan s = d.span();
        StringBuilder out = new StringBuilder();
        out.append(d.file().name()).append(':').append(s.line()).append(':').append(s.column()).append(": ")
                .append(d.severity() == Diagnostic.Severity.ERROR ? "error" : "warning").append(": ").append(d.message()).append('\n');
        String line = d.file().line(s.line());
        int start = Math.max(0, Math.min(s.column() - 1, line.length()));
        int length = Math.max(1, Math.min(s.length(), line.length() - start));
        // Very long lines (minified or garbage input) show a window around the span.
        int from = 0, to = line.length();
        if (line.length() > MAX_LINE) {
            from = Math.max(0, start - MAX_LINE / 3);
            to = Math.min(line.length(), from + MAX_LINE);
            length = Math.min(length, to - start);
        }
        String prefix = from > 0 ? "..." : "";
        out.append(INDENT).append(prefix).append(line, from, to).append(to < line.length() ? "..." : "").append('\n');
        out.append(INDENT).append(" ".repeat(prefix.length()));
        for (int i = from; i < start; i++) out.append(line.charAt(i) == '\t' ? '\t' : ' ');
        out.append('^').append("~".repeat(Math.max(0, length - 1))).append('\n');
        for (String note : d.notes()) out.append(INDENT).append("= note: ").append(note).append('\n');
        return out.toString();
    }

    /** All diagnostics (at most {@value #MAX_SHOWN}), each followed by a blank line, then the error count. */
    public static String renderAll(List<Diagnostic> diagnostics) { return renderAll(diagnostics, ErrorCount.NONE); }

    /**
     * The same, with {@code omitted} errors that were found but not kept (counted by the parser): the
     * count says how many errors there are in all and how many were not shown, "at least" when the
     * count itself stopped.
     */
    public static String renderAll(List<Diagnostic> diagnostics, ErrorCount omitted) {
        StringBuilder out = new StringBuilder();
        diagnostics.stream().limit(MAX_SHOWN).forEach(d -> out.append(render(d)).append('\n'));
        long notShown = Math.max(0, diagnostics.size() - MAX_SHOWN) + omitted.count();
        String atLeast = omitted.exact() ? "" : "at least ";
        if (notShown > 0)
            out.append(atLeast).append(notShown).append(notShown == 1 ? " more error not shown" : " more errors not shown")
                    .append(omitted.exact() ? "" : " (netc stopped counting there)").append('\n');
        long errors = diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count() + omitted.count();
        if (errors > 0) out.append(atLeast).append(errors).append(errors == 1 ? " error\n" : " errors\n");
        return out.toString();
    }
}
