package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.IrPrinter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ir", description = "Print the typed graph IR of a model (with --grad, the gradient graph too).")
final class IrCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model") String model;
    @Option(names = "--grad", description = "Append the reverse-mode gradient graph (needs a train block).") boolean grad;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        Graph g = grad ? Graphs.withGradients(m) : m.graph();
        System.out.println("# model " + m.name() + (grad ? " (forward + gradient)" : ""));
        System.out.print(IrPrinter.print(g));
        return 0;
    }
}
