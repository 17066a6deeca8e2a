package dev.netc.runtime.train;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Metrics at the end of one epoch (epoch mode) or one log interval (step mode).
 *
 * @param epoch           the epoch the interval ended in, counted from 1
 * @param step            the last optimizer step of the interval, counted from 1
 * @param trainLoss       mean training loss over the interval's steps (dropout on, parameters moving)
 * @param trainAccuracy   running training accuracy over the interval, when the model has class scores
 * @param test            evaluation on the test split, when there is one and it was run at this point
 * @param seconds         time spent training in the interval (evaluation excluded)
 * @param imagesPerSecond training examples per second over the interval
 */
public record HistoryEntry(int epoch, int step, double trainLoss, OptionalDouble trainAccuracy, Optional<Evaluation> test,
                           double seconds, double imagesPerSecond) {}
