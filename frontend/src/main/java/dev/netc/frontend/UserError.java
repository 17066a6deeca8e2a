package dev.netc.frontend;

import java.util.List;

/** A mistake in the user's program, found while checking one statement; becomes a {@link Diagnostic}. */
final class UserError extends RuntimeException {
    private final transient SourceSpan span;
    private final transient List<String> notes;

    UserError(SourceSpan span, String message, List<String> notes) {
        super(message, null, false, false);
        this.span = span;
        this.notes = List.copyOf(notes);
    }

    UserError(SourceSpan span, String message) { this(span, message, List.of()); }

    SourceSpan span() { return span; }

    List<String> notes() { return notes; }
}
