package dev.netc.runtime.data;

import java.util.Objects;
import java.util.Optional;

/** A training split and, when the dataset has one, a held-out test split. */
public record DatasetSplits(Dataset train, Optional<Dataset> test) {
    public DatasetSplits {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }
}
