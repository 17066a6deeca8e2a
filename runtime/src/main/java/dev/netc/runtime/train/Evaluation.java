package dev.netc.runtime.train;

import java.util.OptionalDouble;

/** Mean loss and (for classifiers) accuracy over {@code examples} examples. */
public record Evaluation(double loss, OptionalDouble accuracy, int examples) {}
