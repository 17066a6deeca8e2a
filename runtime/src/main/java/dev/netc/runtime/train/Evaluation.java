package dev.netc.runtime.train;

import java.util.Locale;
import java.util.OptionalDouble;

/** Mean loss and (for classifiers) accuracy over {@code examples} examples. */
public record Evaluation(double loss, OptionalDouble accuracy, int examples) {
    /**
     * The machine-readable form, e.g. {@code test_accuracy=0.9812 test_loss=0.0613} for prefix "test"
     * ({@code test_loss=...} alone when there is no accuracy).
     */
    public String line(String prefix) {
        String lossText = String.format(Locale.ROOT, "%s_loss=%.4f", prefix, loss);
        return accuracy.isPresent() ? String.format(Locale.ROOT, "%s_accuracy=%.4f ", prefix, accuracy.getAsDouble()) + lossText : lossText;
    }
}
