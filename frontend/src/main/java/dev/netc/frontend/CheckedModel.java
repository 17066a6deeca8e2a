package dev.netc.frontend;

import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import java.util.List;
import java.util.Optional;

/**
 * A model that parsed and type-checked: its forward graph (named outputs are the model's outputs
 * and, when it has a train block, {@code loss}), its train block, and its layer table.
 */
public record CheckedModel(String name, Graph graph, Optional<TrainSpec> train, List<LayerSummary> layers) {
    public CheckedModel { layers = List.copyOf(layers); }
}
