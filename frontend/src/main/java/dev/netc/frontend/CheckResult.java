package dev.netc.frontend;

import java.util.List;

/** What the frontend made of one file: the models that checked, and every diagnostic found. */
public record CheckResult(SourceFile file, List<CheckedModel> models, List<Diagnostic> diagnostics) {
    public CheckResult {
        models = List.copyOf(models);
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() { return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR); }
}
