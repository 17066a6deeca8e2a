package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compile", description = "Compile a model ahead of time and write the generated sources.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--target", defaultValue = "java", description = "java (default) or cuda.") String target;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR") Path outDir;
    @Option(names = "--model") String model;
    @Option(names = "--no-fuse", description = "Every op its own kernel (the unfused baseline).") boolean noFuse;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        if (!target.equals("java"))
            throw new UserError("error: unknown target '" + target + "' (available: java)");
        OptimizerSpec optimizer = m.train().map(TrainSpec::optimizer).orElse(null);
        Graph g = optimizer == null ? m.graph() : Graphs.withGradients(m);
        Map<String, String> sources = JavaBackend.sources(g, optimizer, !noFuse, m.name());
        for (var e : sources.entrySet()) AtomicFiles.writeString(outDir.resolve(e.getKey()), e.getValue());
        System.out.println("wrote " + sources.size() + " file(s) to " + outDir);
        return 0;
    }
}
