package dev.netc.ir.train;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's train block. The loss itself is the graph's {@code loss} output; the features input is
 * the model's input and the labels input is declared in the train block ({@code labelsInput}).
 * At most one of epochs and steps is set; the dataset may be left to the caller (tests, oracles).
 */
public record TrainSpec(
        OptimizerSpec optimizer,
        int batch,
        OptionalInt epochs,
        OptionalInt steps,
        Optional<DatasetSpec> dataset,
        String featuresInput,
        String labelsInput,
        List<String> metrics) {
    public TrainSpec { metrics = List.copyOf(metrics); }
}
