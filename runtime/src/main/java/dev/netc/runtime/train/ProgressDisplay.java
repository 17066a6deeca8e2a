package dev.netc.runtime.train;

/** Live progress of one epoch or run; shown on stderr only, so stdout stays machine-readable. */
interface ProgressDisplay extends AutoCloseable {
    /** Starts a new bar of {@code steps} steps. */
    void start(String task, int steps);

    /** One step done; {@code message} is shown beside the bar (running loss, images/s). */
    void step(String message);

    /** Ends the current bar, if any. */
    void end();

    /** Ends the current bar, if any (also on the way out of an exception). */
    @Override default void close() { end(); }

    ProgressDisplay NONE = new ProgressDisplay() {
        public void start(String task, int steps) {}
        public void step(String message) {}
        public void end() {}
    };

    /** A terminal progress bar when asked for and stderr is a terminal, else nothing. */
    static ProgressDisplay create(boolean wanted) {
        java.io.Console console = System.console();
        return wanted && console != null && console.isTerminal() ? new TerminalProgress() : NONE;
    }
}
