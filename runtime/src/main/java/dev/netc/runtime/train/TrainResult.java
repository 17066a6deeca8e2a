package dev.netc.runtime.train;

import java.util.List;
import java.util.Optional;

/**
 * What a training run produced.
 *
 * @param history         one entry per epoch (epoch mode) or log interval (step mode)
 * @param test            final evaluation on the test split, when there is one
 * @param firstTrainLoss  loss of the first step
 * @param lastTrainLoss   loss of the last step
 * @param steps           optimizer steps taken
 * @param wallSeconds     total time, evaluation included
 * @param imagesPerSecond training examples per second of training time
 */
public record TrainResult(List<HistoryEntry> history, Optional<Evaluation> test, double firstTrainLoss, double lastTrainLoss,
                          int steps, double wallSeconds, double imagesPerSecond) {
    public TrainResult { history = List.copyOf(history); }
}
