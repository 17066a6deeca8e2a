package dev.netc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** Test helpers: check a snippet, render its diagnostics. */
final class Check {
    private Check() {}

    static CheckResult check(String text) { return Frontend.check(new SourceFile("t.net", text)); }

    static String errors(String text) { return check(text).render(); }

    static CheckedModel clean(String text) {
        CheckResult r = check(text);
        assertEquals("", DiagnosticRenderer.renderAll(r.diagnostics()));
        assertEquals(1, r.models().size());
        return r.models().getFirst();
    }

    /** The single diagnostic of a snippet. */
    static Diagnostic single(String text) {
        List<Diagnostic> d = check(text).diagnostics();
        assertEquals(1, d.size(), () -> DiagnosticRenderer.renderAll(d));
        return d.getFirst();
    }

    static void hasMessage(String text, String message) {
        String all = errors(text);
        assertTrue(all.contains(message), () -> "expected '" + message + "' in:\n" + all);
    }
}
