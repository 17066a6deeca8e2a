package dev.netc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.Shape;
import dev.netc.ir.Dim;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every examples/*.net checks without diagnostics, and the headline examples have the expected structure. */
class ExamplesTest {

    static Path examples() {
        return Path.of(System.getProperty("netc.projectRoot", "..")).resolve("examples");
    }

    static CheckResult check(String file) throws IOException {
        return Frontend.check(SourceFile.read(examples().resolve(file)));
    }

    @TestFactory
    Stream<DynamicTest> everyExampleChecksCleanly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(examples())) {
            files = s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
        }
        assertTrue(files.size() >= 7, "examples found: " + files);
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            CheckResult r = Frontend.check(SourceFile.read(p));
            assertEquals("", DiagnosticRenderer.renderAll(r.diagnostics()));
            assertFalse(r.models().isEmpty());
        }));
    }

    @Test
    void cnnHasTheDeepMnistParameterCount() throws IOException {
        CheckedModel m = check("mnist_cnn.net").models().getFirst();
        assertEquals(3_274_634L, m.layers().stream().mapToLong(LayerSummary::params).sum());
        long fromGraph = m.graph().parameters().stream().mapToLong(n -> n.type().shape().volume().known()).sum();
        assertEquals(3_274_634L, fromGraph);
        assertEquals(List.of("conv_pool/conv2d", "conv_pool/max_pooling2d", "conv_pool_1/conv2d", "conv_pool_1/max_pooling2d",
                "flatten", "dense", "dropout", "dense_1"), m.layers().stream().map(LayerSummary::name).toList());
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(64), Dim.of(7), Dim.of(7)), m.layers().get(3).outputShape());
        var train = m.train().orElseThrow();
        assertEquals(50, train.batch());
        assertEquals(20000, train.steps().orElseThrow());
        assertEquals("x", train.featuresInput());
        assertEquals("y", train.labelsInput());
        assertTrue(m.graph().output(Graph.LOSS).isPresent());
        assertTrue(m.graph().parameterNamed("conv_pool_1/conv2d/kernel").isPresent());
        assertEquals(Shape.of(64, 32, 5, 5), m.graph().parameterNamed("conv_pool_1/conv2d/kernel").orElseThrow().type().shape());
    }

    @Test
    void oracleConvHasTheDocumentedOutputShape() throws IOException {
        CheckedModel m = check("oracle_conv.net").models().getFirst();
        assertEquals(Shape.of(1, 2, 3, 3), m.graph().node(m.graph().output("y").orElseThrow()).type().shape());
    }
}
