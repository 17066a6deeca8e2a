package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {
    @Test
    void drawsTheTaskStepsAndMessage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TerminalProgress progress = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            progress.start("epoch 2/5", 3);
            for (int i = 0; i < 3; i++) progress.step("loss=0.4321 1,234 img/s");
        }
        String drawn = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("epoch 2/5"), drawn);
        assertTrue(drawn.contains("3/3"), drawn);
        assertTrue(drawn.contains("loss=0.4321 1,234 img/s"), drawn);
    }

    @Test
    void noBarWhenNotWanted() {
        assertSame(ProgressDisplay.NONE, ProgressDisplay.create(false));
    }
}
