package dev.netc.frontend;

import java.util.List;

/** A user-facing error or warning with its position, rendered javac/rustc style by {@link DiagnosticRenderer}. */
public record Diagnostic(Severity severity, SourceFile file, SourceSpan span, String message, List<String> notes) {
    public enum Severity { ERROR, WARNING }

    public Diagnostic { notes = List.copyOf(notes); }

    public static Diagnostic error(SourceFile file, SourceSpan span, String message) {
        return new Diagnostic(Severity.ERROR, file, span, message, List.of());
    }
}
