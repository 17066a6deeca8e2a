package dev.netc.runtime.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A me.tongfei progress bar on stderr, one per epoch, erased when done (the epoch's log line replaces it). */
final class TerminalProgress implements ProgressDisplay {
    private final PrintStream stream;
    private ProgressBar bar;

    TerminalProgress() {
        this(System.err);
    }

    /** Draws on {@code stream} (tests capture it). */
    TerminalProgress(PrintStream stream) {
        this.stream = stream;
    }

    @Override public void start(String task, int steps) {
        end();
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(stream))
                .setUpdateIntervalMillis(200)
                .clearDisplayOnFinish()
                .build();
    }

    @Override public void step(String message) {
        if (bar == null) return;
        bar.step();
        bar.setExtraMessage(message);
    }

    @Override public void end() {
        if (bar != null) bar.close();
        bar = null;
    }
}
