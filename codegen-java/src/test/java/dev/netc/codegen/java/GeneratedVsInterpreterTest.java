package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.Graph;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.PlanKernels;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Generated code, fused and unfused, against the float64 reference interpreter: outputs, loss, gradients. */
class GeneratedVsInterpreterTest {

    static Stream<Arguments> graphs() throws Exception {
        return Stream.of(Arguments.of("mlp", TestGraphs.mlp()), Arguments.of("cnn", TestGraphs.cnn()),
                Arguments.of("elementwise", TestGraphs.elementwise()), Arguments.of("layout", TestGraphs.layout()),
                Arguments.of("epilogues", TestGraphs.epilogues()), Arguments.of("vectorizable", TestGraphs.vectorizable()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void outputsAndGradientsMatchTheInterpreter(String name, Graph forward) {
        Graph g = Autodiff.differentiate(forward);
        int batch = 5;
        Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, 42);
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", batch), false, 7);
        assertTrue(!g.gradients().isEmpty() && expected.keySet().containsAll(g.gradientOutputs().values()), "graph has gradients");

        for (KernelPlan plan : new KernelPlan[] {PlanKernels.unfused(g), FuseOps.fuse(g)}) {
            GeneratedModel m = Harness.compile(plan, null);
            m.setBatch(batch);
            Harness.load(m, g, feeds);
            m.forward(false); // dropout off, as in the interpreter run
            m.backward();
            for (var e : expected.entrySet())
                Harness.assertClose(e.getValue().data(), Harness.read(m, g, e.getKey()), 1e-4,
                        name + " (" + plan.kernels().size() + " kernels) " + e.getKey());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void fusedAndUnfusedCodeAgree(String name, Graph forward) {
        Graph g = Autodiff.differentiate(forward);
        int batch = 3;
        Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, 9);
        KernelPlan unfused = PlanKernels.unfused(g), fused = FuseOps.fuse(g);
        assertTrue(fused.kernels().size() < unfused.kernels().size(), "fusion merged some kernels of " + name);
        GeneratedModel a = Harness.compile(unfused, null), b = Harness.compile(fused, null);
        for (GeneratedModel m : new GeneratedModel[] {a, b}) {
            m.setBatch(batch);
            Harness.load(m, g, feeds);
            m.setSeed(11);
            m.forward(true); // same seed, same masks in both
            m.backward();
        }
        for (String out : g.outputs().keySet())
            Harness.assertClose(Harness.read(a, g, out), Harness.read(b, g, out), 1e-5, name + " " + out);
    }
}
