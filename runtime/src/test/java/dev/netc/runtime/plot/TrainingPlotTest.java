package dev.netc.runtime.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.train.Evaluation;
import dev.netc.runtime.train.HistoryEntry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingPlotTest {
    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static HistoryEntry entry(int step, double loss, OptionalDouble accuracy, boolean tested) {
        Optional<Evaluation> test = tested ? Optional.of(new Evaluation(loss * 1.1, accuracy, 100)) : Optional.empty();
        return new HistoryEntry(1, step, loss, accuracy, test, 0.5, 1000);
    }

    @Test
    void writesAPngWithLossAndAccuracyCharts(@TempDir Path dir) throws Exception {
        List<HistoryEntry> history = List.of(entry(10, 2.0, OptionalDouble.of(0.3), true), entry(20, 1.0, OptionalDouble.of(0.6), false),
                entry(30, 0.5, OptionalDouble.of(0.9), true));
        Path png = dir.resolve("out/curves.png");
        TrainingPlot.write(png, history);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000, "a real picture, " + bytes.length + " bytes");
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * TrainingPlot.CHART_WIDTH, image.getWidth(), "loss and accuracy side by side");
        assertEquals(TrainingPlot.CHART_HEIGHT, image.getHeight());
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void lossOnlyWithoutAccuracyAndNothingForAnEmptyHistory() {
        BufferedImage image = TrainingPlot.render(List.of(entry(1, 3.0, OptionalDouble.empty(), false), entry(2, 2.0, OptionalDouble.empty(), true)));
        assertEquals(TrainingPlot.CHART_WIDTH, image.getWidth());
        assertThrows(IllegalArgumentException.class, () -> TrainingPlot.render(List.of()));
    }
}
