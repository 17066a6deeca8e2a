package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the repository's examples and the shared MNIST data, and runs the CLI in-process. */
final class Examples {
    private Examples() {}

    static Path root() {
        return Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize();
    }

    static Path example(String name) { return root().resolve("examples").resolve(name); }

    static List<Path> all() {
        try (Stream<Path> s = Files.list(root().resolve("examples"))) {
            return s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path mnist() { return root().resolve("../shared/data/mnist").normalize(); }

    static boolean hasMnist() { return Files.isRegularFile(mnist().resolve("t10k-labels-idx1-ubyte.gz")); }

    static final String NO_MNIST = "MNIST not found at ../shared/data/mnist: skipping (see README, Data)";

    static CheckedModel model(String file) {
        try {
            CheckResult r = Frontend.check(SourceFile.read(example(file)));
            assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
            return r.models().getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result of one CLI run: exit code, stdout, stderr. */
    record Run(int exit, String out, String err) {
        String lastLine() {
            List<String> lines = out.strip().lines().toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }
    }

    static synchronized Run netc(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = dev.netc.cli.Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
