package dev.netc.cli;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;

/** Shared steps of the pipeline used by several commands ({@code ir --grad}, {@code graph --grad}). */
final class Graphs {
    private Graphs() {}

    /** Forward graph plus the gradient graph; a model without a loss is a user error. */
    static Graph withGradients(CheckedModel m) {
        if (m.graph().output(Graph.LOSS).isEmpty())
            throw new CommandError("error: model '" + m.name() + "' has no loss: add a train block with `loss = ...`");
        return Pipeline.graph(m, CompileOptions.training());
    }
}
