package dev.netc.frontend;

import java.util.List;

/**
 * What the frontend made of one file: the models that checked, the diagnostics found, and the errors
 * found beyond those (counted, not reported one by one: see {@link ErrorCount}).
 */
public record CheckResult(SourceFile file, List<CheckedModel> models, List<Diagnostic> diagnostics, ErrorCount omitted) {
    public CheckResult {
        models = List.copyOf(models);
        diagnostics = List.copyOf(diagnostics);
    }

    public CheckResult(SourceFile file, List<CheckedModel> models, List<Diagnostic> diagnostics) {
        this(file, models, diagnostics, ErrorCount.NONE);
    }

    public boolean hasErrors() {
        return omitted.count() > 0 || diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    /** The diagnostics as the CLI prints them, ending with the number of errors (see {@link DiagnosticRenderer#renderAll}). */
    public String render() { return DiagnosticRenderer.renderAll(diagnostics, omitted); }
}
