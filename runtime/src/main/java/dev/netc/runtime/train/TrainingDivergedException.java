package dev.netc.runtime.train;

/** The training loss (or a parameter) stopped being a finite number; names the step (counted from 1) and epoch. */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;
    private final int epoch;
    private final double loss;

    public TrainingDivergedException(double loss, int step, int epoch) {
        this("loss became " + loss + " at step " + step + " (epoch " + epoch + ")", loss, step, epoch);
    }

    /** With a message of the caller's (e.g. naming a parameter, or the checkpoint that was kept). */
    public TrainingDivergedException(String message, double loss, int step, int epoch) {
        super(message);
        this.step = step;
        this.epoch = epoch;
        this.loss = loss;
    }

    public int step() { return step; }

    public int epoch() { return epoch; }

    /** The offending value: NaN or an infinity. */
    public double loss() { return loss; }
}
