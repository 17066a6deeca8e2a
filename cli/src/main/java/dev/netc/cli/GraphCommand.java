package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.DotPrinter;
import dev.netc.ir.Graph;
import dev.netc.runtime.io.OutputFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "graph", description = "Write the IR as a Graphviz DOT file.")
final class GraphCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.dot") Path output;
    @Option(names = "--model") String model;
    @Option(names = "--grad", description = "Include the gradient graph.") boolean grad;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        Outputs.check(List.of(new OutputFiles.Output("-o", output)), List.of(new OutputFiles.Input("the model source", file)));
        Graph g = grad ? Graphs.withGradients(m) : m.graph();
        Outputs.writeString(output, DotPrinter.print(g, m.name()));
        System.out.println("wrote " + output + " (" + g.size() + " nodes)");
        return 0;
    }
}
