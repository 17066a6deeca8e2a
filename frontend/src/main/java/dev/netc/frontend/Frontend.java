package dev.netc.frontend;

import java.util.List;

/**
 * The frontend's entry point: source text to checked models and diagnostics. User errors never
 * throw; they come back as {@link Diagnostic}s in the {@link CheckResult}.
 */
public final class Frontend {
    private Frontend() {}

    /** Parses and checks one file: every model that checked cleanly, and every diagnostic found. */
    public static CheckResult check(SourceFile file) {
        Diagnostics diags = new Diagnostics(file);
        try {
            var tree = Parsing.parse(file, diags);
            if (tree.isEmpty()) return new CheckResult(file, List.of(), diags.sorted(), diags.omittedErrors());
            Ast.Program program = AstBuilder.program(tree.get());
            List<CheckedModel> models = new ProgramChecker(diags).check(program);
            return new CheckResult(file, models, diags.sorted());
        } catch (StackOverflowError e) {
            diags.error(Spans.start(), "expressions or blocks are nested too deeply in " + file.name());
            return new CheckResult(file, List.of(), diags.sorted());
        }
    }
}
