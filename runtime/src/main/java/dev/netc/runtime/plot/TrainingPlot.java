package dev.netc.runtime.plot;

import dev.netc.runtime.io.AtomicFiles;
import dev.netc.runtime.io.IoErrors;
import dev.netc.runtime.train.Evaluation;
import dev.netc.runtime.train.HistoryEntry;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The {@code --plot FILE.png} picture: training and test loss against the step on the left and, when
 * the model measures accuracy, training and test accuracy on the right. Drawn with XChart off screen.
 */
public final class TrainingPlot {
    static final int CHART_WIDTH = 640;
    static final int CHART_HEIGHT = 420;

    private TrainingPlot() {}

    /** Renders the history (at least one entry) and writes it as a PNG atomically. */
    public static void write(Path png, List<HistoryEntry> history) {
        BufferedImage image = render(history);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG writer available");
            AtomicFiles.write(png, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": cannot write plot: " + IoErrors.describe(e, png), e);
        }
    }

    /** The picture: one chart (loss) or two side by side (loss, accuracy). */
    public static BufferedImage render(List<HistoryEntry> history) {
        if (history.isEmpty()) throw new IllegalArgumentException("nothing to plot: the history is empty");
        boolean accuracy = history.stream().anyMatch(h -> h.trainAccuracy().isPresent()
                || h.test().map(t -> t.accuracy().isPresent()).orElse(false));
        List<BufferedImage> charts = accuracy
                ? List.of(chart(history, "Loss", "loss", HistoryEntry::trainLoss, Evaluation::loss),
                        chart(history, "Accuracy", "accuracy", h -> h.trainAccuracy().orElse(Double.NaN),
                                t -> t.accuracy().orElse(Double.NaN)))
                : List.of(chart(history, "Loss", "loss", HistoryEntry::trainLoss, Evaluation::loss));
        BufferedImage out = new BufferedImage(CHART_WIDTH * charts.size(), CHART_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < charts.size(); i++) g.drawImage(charts.get(i), i * CHART_WIDTH, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static BufferedImage chart(List<HistoryEntry> history, String title, String yAxis, ToDoubleFunction<HistoryEntry> train,
                                       Function<Evaluation, Double> test) {
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT).title(title).xAxisTitle("step").yAxisTitle(yAxis).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<HistoryEntry> trained = history.stream().filter(h -> Double.isFinite(train.applyAsDouble(h))).toList();
        if (!trained.isEmpty())
            chart.addSeries("train", trained.stream().mapToDouble(HistoryEntry::step).toArray(),
                    trained.stream().mapToDouble(train).toArray()).setMarker(SeriesMarkers.CIRCLE);
        List<HistoryEntry> tested = history.stream().filter(h -> h.test().map(t -> Double.isFinite(test.apply(t))).orElse(false)).toList();
        if (!tested.isEmpty())
            chart.addSeries("test", tested.stream().mapToDouble(HistoryEntry::step).toArray(),
                    tested.stream().mapToDouble(h -> test.apply(h.test().get())).toArray()).setMarker(SeriesMarkers.DIAMOND);
        return BitmapEncoder.getBufferedImage(chart);
    }
}
