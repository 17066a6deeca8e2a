package dev.netc.frontend;

import dev.netc.ir.Shape;

/** One row of `netc summary`: a layer (or op) as a user wrote it, its output shape and parameter counts. */
public record LayerSummary(String name, String kind, Shape outputShape, long trainableParams, long nonTrainableParams) {
    public long params() { return trainableParams + nonTrainableParams; }
}
