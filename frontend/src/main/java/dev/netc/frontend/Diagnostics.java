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

    /** Replaces the last diagnostic by one with an extra note. */
    void noteOnLast(String note) {
        Diagnostic d = list.removeLast();
        List<String> notes = new ArrayList<>(d.notes());
        notes.add(note);
        list.add(new Diagnostic(d.severity(), d.file(), d.span(), d.message(), notes));
    }

    /** In source order; diagnostics at the same position keep the order they were found in. */
    List<Diagnostic> sorted() {
        List<Diagnostic> out = new ArrayList<>(list);
        out.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line()).thenComparingInt(d -> d.span().column()));
        return out;
    }
}
