package dev.netc.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's example models (and test models), checked, differentiated and planned. */
final class ExampleModels {
    private ExampleModels() {}

    /** A model ready for a backend: its training graph (with gradients when it trains) and optimizer. */
    record Prepared(String name, Graph graph, OptimizerSpec optimizer) {
        Compilation compilation(boolean fuse) { return Pipeline.compile(graph, optimizer, CompileOptions.training().fused(fuse)); }

        KernelPlan plan(boolean fuse) { return compilation(fuse).plan(); }

        CudaProgram cuda(boolean fuse) { return CudaCodegen.generate(compilation(fuse), name + (fuse ? "" : "_unfused")); }
    }

    static Path root() {
        return Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize();
    }

    /** Every examples/*.net file, sorted. */
    static List<Path> exampleFiles() {
        try (Stream<Path> s = Files.list(root().resolve("examples"))) {
            return s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every model of a file, prepared. */
    static List<Prepared> load(Path file) {
        try {
            CheckResult r = Frontend.check(SourceFile.read(file));
            assertFalse(r.hasErrors(), () -> file + ":\n" + DiagnosticRenderer.renderAll(r.diagnostics()));
            return r.models().stream().map(ExampleModels::prepare).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Prepared prepare(CheckedModel m) {
        OptimizerSpec optimizer = m.train().map(TrainSpec::optimizer).orElse(null);
        boolean trains = optimizer != null && m.graph().output(Graph.LOSS).isPresent();
        return new Prepared(m.name(), Pipeline.graph(m, trains ? CompileOptions.training() : CompileOptions.inferenceOnly()),
                trains ? optimizer : null);
    }

    /** The example models that have a train block (the ones the issue asks to compile for the GPU). */
    static List<Prepared> trainedExamples() {
        return exampleFiles().stream().flatMap(f -> load(f).stream()).filter(p -> p.optimizer() != null).toList();
    }
}
