package dev.netc.cli;

import dev.netc.autodiff.Autodiff;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;

/** Shared steps of the pipeline used by several commands. */
final class Graphs {
    private Graphs() {}

    /** Forward graph plus the gradient graph; a model without a loss is a user error. */
    static Graph withGradients(CheckedModel m) {
        if (m.graph().output(Graph.LOSS).isEmpty())
            throw new UserError("error: model '" + m.name() + "' has no loss: add a train block with `loss = ...`");
        return Autodiff.differentiate(m.graph());
    }
}
