package dev.netc.frontend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects the diagnostics of one file, dropping exact repeats (a block called twice fails twice). */
final class Diagnostics {
    private final SourceFile file;
    private final List<Diagnostic> list = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();

    Diagnostics(SourceFile file) { this.file = file; }

    SourceFile file() { return file; }

    void error(SourceSpan span, String message, List<String> notes) {
        if (seen.add(span.line() + ":" + span.column() + ":" + message))
            list.add(new Diagnostic(Diagnostic.Severity.ERROR, file, span, message, notes));
    }

    void error(SourceSpan span, String message) { error(span, message, List.of()); }

    void add(UserError e) { error(e.span(), e.getMessage(), e.notes()); }

    int count() { return list.size(); }

    boolean hasErrors() { return !list.isEmpty(); }

    private int omitted;
    private boolean omittedCountComplete = true;

    /** Records errors found but not kept (the parser reports the first few); {@code complete}: no more were left uncounted. */
    void omitted(int count, boolean complete) {
        omitted += count;
        omittedCountComplete &= complete;
    }

    /** Errors found but not kept, and whether that count is exact (else it is a lower bound). */
    ErrorCount omittedErrors() { return new ErrorCount(omitted, omittedCountComplete); }

    /** In source order; diagnostics at the same position keep the order they were found in. */
    List<Diagnostic> sorted() {
        List<Diagnostic> out = new ArrayList<>(list);
        out.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line()).thenComparingInt(d -> d.span().column()));
        return out;
    }
}
