package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.DiagnosticRenderer;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.Compilation;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.cuda.CudaBackend;
import dev.netc.runtime.train.ParameterInitializer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A model whose names look like the pipeline's output conventions (an input "grad", a dense layer
 * "grad" with parameters "grad/kernel" and "grad/bias" beside a parameter "kernel", a batch norm
 * "update") compiles, trains and updates its moving statistics: roles are structural, not names.
 */
class ConfusingNamesTest {
    /** The model the compiler's PipelineTest checks structurally; here it trains end to end. */
    private static final java.nio.file.Path TRICKY = Examples.root().resolve("compiler/src/test/resources/confusing_names.net");

    private static CheckedModel model() {
        CheckResult r;
        try {
            r = Frontend.check(SourceFile.read(TRICKY));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
        return r.models().getFirst();
    }

    @Test
    void trainsFusedAndUnfusedAndMovesItsStatistics() {
        for (boolean fuse : new boolean[] {true, false}) {
            Compilation c = Pipeline.compile(model(), CompileOptions.training().fused(fuse));
            Graph g = c.graph();
            GeneratedModel net = JavaBackend.compile(c, "tricky");
            ParameterInitializer.initialize(net, g, 3);
            net.setBatch(8);
            net.setSeed(3);
            SplittableRandom rng = new SplittableRandom(5);
            float[] x = net.floatBuffer("grad");
            int[] y = net.intBuffer("y");
            for (int i = 0; i < 8; i++) {
                y[i] = i % 3;
                for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (rng.nextDouble(-1, 1) + (j == y[i] ? 1.5 : 0));
            }
            assertEquals(16, net.floatBuffer("grad/kernel").length, "the dense layer's kernel, a parameter");
            assertEquals(12, net.floatBuffer("grad/kernel#2").length, "the gradient of the parameter 'kernel'");
            float first = Float.NaN, last = Float.NaN;
            for (int step = 1; step <= 50; step++) {
                net.forward(true);
                last = net.floatBuffer(Graph.LOSS)[0];
                if (step == 1) first = last;
                net.backward();
                net.update(0.5f, step);
            }
            assertTrue(last < 0.5f * first, (fuse ? "fused" : "unfused") + ": loss fell from " + first + " to " + last);
            float[] mean = net.floatBuffer("update/moving_mean");
            double moved = 0;
            for (float v : mean) moved += Math.abs(v);
            assertTrue(moved > 0, "the moving mean was updated");
        }
    }

    @Test
    void cudaUpdatesEveryTrainableParameterAndCopiesEveryMovingStatistic() {
        Compilation c = Pipeline.compile(model(), CompileOptions.training());
        CudaProgram p = CudaBackend.generate(c, "tricky");
        // the five trainable parameters are updated by one multi-tensor launch, each in its own branch
        assertEquals(1, p.manifest().launches("update").stream().filter(l -> l.function().startsWith("update_")).count());
        for (var param : c.graph().trainableParameters())
            assertTrue(p.source().contains("// " + ((dev.netc.ir.Op.Parameter) param.op()).name() + "\n"), p.source());
        assertEquals(5, c.graph().trainableParameters().size());
        assertEquals(2, p.manifest().launches().stream().filter(l -> l.function().startsWith("moving_")).count());
    }
}
