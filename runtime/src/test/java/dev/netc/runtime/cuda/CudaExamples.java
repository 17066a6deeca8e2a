package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's example models with a train block, as training graphs and CUDA programs. */
final class CudaExamples {
    private CudaExamples() {}

    /** A model with gradients and its optimizer. */
    record Trained(String name, Graph graph, OptimizerSpec optimizer) {
        Compilation compilation(boolean fuse) { return Pipeline.compile(graph, optimizer, CompileOptions.training().fused(fuse)); }

        CudaProgram program(boolean fuse) { return CudaCodegen.generate(compilation(fuse), name + (fuse ? "" : "_unfused")); }
    }

    static Path root() { return Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize(); }

    static List<Trained> all() {
        try (Stream<Path> s = Files.list(root().resolve("examples"))) {
            return s.filter(p -> p.toString().endsWith(".net")).sorted().flatMap(p -> trained(p).stream()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The models of one file that have a train block. */
    static List<Trained> trained(Path file) {
        return models(file).stream()
                .filter(m -> m.train().isPresent() && m.graph().output(Graph.LOSS).isPresent())
                .map(m -> new Trained(m.name(), Pipeline.graph(m, CompileOptions.training()), m.train().map(TrainSpec::optimizer).orElseThrow()))
                .toList();
    }

    static Trained named(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    static List<CheckedModel> models(Path file) {
        try {
            CheckResult r = Frontend.check(SourceFile.read(file));
            assertFalse(r.hasErrors(), () -> file + ":\n" + DiagnosticRenderer.renderAll(r.diagnostics()));
            return r.models();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
