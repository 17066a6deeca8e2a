package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.LayerSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "summary", description = "Print a Keras-style layer table with parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to summarise (default: the file's only or trained model).") String model;

    @Override public Integer call() {
        System.out.print(format(ModelLoader.load(file, model)));
        return 0;
    }

    static String format(CheckedModel m) {
        int nameW = Math.max(28, m.layers().stream().mapToInt(l -> l.name().length() + l.kind().length() + 5).max().orElse(0));
        int shapeW = Math.max(26, m.layers().stream().mapToInt(l -> l.outputShape().toString().length() + 2).max().orElse(0));
        int width = nameW + shapeW + 12;
        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(m.name()).append("\"\n");
        sb.append("_".repeat(width)).append('\n');
        sb.append(pad(" Layer (type)", nameW)).append(pad("Output Shape", shapeW)).append("Param #\n");
        sb.append("=".repeat(width)).append('\n');
        long trainable = 0, frozen = 0;
        for (int i = 0; i < m.layers().size(); i++) {
            LayerSummary l = m.layers().get(i);
            sb.append(pad(" " + l.name() + " (" + l.kind() + ")", nameW)).append(pad(l.outputShape().toString(), shapeW))
              .append(String.format("%,d", l.params())).append('\n');
            if (i + 1 < m.layers().size()) sb.append('\n');
            trainable += l.trainableParams();
            frozen += l.nonTrainableParams();
        }
        sb.append("=".repeat(width)).append('\n');
        sb.append(String.format("Total params: %,d%n", trainable + frozen));
        sb.append(String.format("Trainable params: %,d%n", trainable));
        sb.append(String.format("Non-trainable params: %,d%n", frozen));
        return sb.toString();
    }

    private static String pad(String s, int w) { return s.length() >= w ? s + " " : s + " ".repeat(w - s.length()); }
}
