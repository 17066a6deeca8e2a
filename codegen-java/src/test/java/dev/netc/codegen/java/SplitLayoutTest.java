package dev.netc.codegen.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.autodiff.Autodiff;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Models beyond {@link CodeLimits}' one-class limits are split ({@link SplitLayout}). The other codegen
 * tests run again here with every model split into parts of a few members ({@link CodeLimits#ALWAYS_SPLIT}),
 * so chained methods, nested classes, shared kernel shapes and the optimizer routine all meet small
 * models; and split code must compute exactly what one-class code computes.
 */
class SplitLayoutTest {
    @BeforeAll static void splitEverything() { Harness.limits = CodeLimits.ALWAYS_SPLIT; }

    @AfterAll static void oneClassAgain() { Harness.limits = CodeLimits.DEFAULT; }

    @Nested class VsInterpreter extends GeneratedVsInterpreterTest {}

    @Nested class Contract extends GeneratedModelContractTest {}

    @Nested class Optimizers extends OptimizerUpdateTest {}

    @Nested class OptimizerZoo extends OptimizerZooTest {}

    @Nested class ZooOps extends ZooOpsGeneratedTest {}

    /** A stack of dense layers: the same kernels again and again, differing only in their buffers. */
    static Graph denseStack(int layers, int width) throws Exception {
        GraphBuilder b = new GraphBuilder();
        int h = b.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(width))));
        for (int l = 0; l < layers; l++) {
            int w = b.parameter("dense" + l + "/kernel", TensorType.f32(width, width), new Init.Ones(), true);
            int bias = b.parameter("dense" + l + "/bias", TensorType.f32(width), new Init.Zeros(), true);
            h = b.add(new Op.Unary(UnaryFn.TANH), "h",
                    b.add(new Op.Binary(BinaryFn.ADD), null, b.add(new Op.MatMul(false, false), null, h, w), bias));
        }
        b.output("y", h);
        b.output(Graph.LOSS, b.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", h));
        return Autodiff.differentiate(b.build());
    }

    @Test
    void splitCodeComputesExactlyWhatOneClassCodeComputes() throws Exception {
        for (Graph forward : List.of(TestGraphs.mlp(), TestGraphs.cnn(), TestGraphs.elementwise(), TestGraphs.layout())) {
            Graph g = Autodiff.differentiate(forward);
            Map<String, DTensor> feeds = Harness.randomFeeds(g, 3, 5);
            for (KernelPlan plan : List.of(FuseOps.fuse(g), PlanKernels.unfused(g))) {
                OptimizerSpec adam = new OptimizerSpec.Adam(0.01, 0.9, 0.999, 1e-7);
                GeneratedModel one = Harness.compile(plan, adam, CodeLimits.DEFAULT);
                GeneratedModel split = Harness.compile(plan, adam, CodeLimits.ALWAYS_SPLIT);
                for (GeneratedModel m : List.of(one, split)) {
                    m.setBatch(3);
                    Harness.load(m, g, feeds);
                    m.setSeed(3);
                    for (int step = 1; step <= 2; step++) {
                        m.forward(true); // with dropout: both draw the same masks
                        m.backward();
                        m.update(0.01f, step);
                    }
                }
                for (String out : g.outputs().keySet())
                    assertArrayEquals(Harness.read(one, g, out), Harness.read(split, g, out), out);
                for (Node p : g.parameters()) {
                    String name = ((Op.Parameter) p.op()).name();
                    assertArrayEquals(one.floatBuffer(name), split.floatBuffer(name), name);
                }
                assertEquals(one.optimizerState().keySet(), split.optimizerState().keySet());
                for (var e : one.optimizerState().entrySet())
                    assertArrayEquals(e.getValue(), split.optimizerState().get(e.getKey()), e.getKey());
            }
        }
    }

    @Test
    void smallModelsAreOneClassWithAFieldPerBuffer() throws Exception {
        String src = JavaCodegen.generate(FuseOps.fuse(Autodiff.differentiate(TestGraphs.cnn())),
                new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7), "demo", "CnnModel");
        assertFalse(src.contains("class Kernels0") || src.contains("floats["), "no parts in a small model");
        assertTrue(src.contains("private final float[] conv1_kernel = new float[54];"));
    }

    @Test
    void aSplitModelKeepsItsKernelsReadableInBoundedParts() throws Exception {
        Graph g = denseStack(12, 4);
        KernelPlan plan = FuseOps.fuse(g);
        String src = JavaCodegen.generate(plan, new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7), "demo", "Deep",
                CodeLimits.ALWAYS_SPLIT);
        assertTrue(src.contains("private final float[][] floats = new float["), "buffers in an array");
        List<Kernel> coded = plan.kernels().stream()
                .filter(k -> !(k.nodes().size() == 1 && g.node(k.root()).op() instanceof Op.Reshape)).toList();
        for (Kernel k : coded)
            assertTrue(src.contains("private void " + k.name() + "()"), k.name() + " is still a method of its own");
        int parts = 0;
        while (src.contains("private final class Kernels" + parts + " {")) parts++;
        assertEquals((coded.size() + 2) / 3, parts, "at most three kernels per part");
        // the twelve layers' kernels differ only in their buffers: each shape is printed once
        assertTrue(src.contains("void shape0("), "a shared shape");
        assertTrue(src.contains("The code of "), src.substring(0, 200));
        assertEquals(1, count(src, "private void updateParameter("), "the optimizer loop printed once");
        assertEquals(2 * 12, count(src, "updateParameter(floats["), "one call per parameter");
        // no method holds more than four statements of a long list: the passes call chunks
        assertTrue(src.contains("private void backward0()") && src.contains("private int floatIndexLevel0_0(String name)"),
                "backward and the name lookup are chained");
    }

    @Test
    void identifiersSkipMembersAndNumbers() {
        assertEquals(List.of("forChunks", "batch", "from", "to", "a", "i", "Gemm", "b", "x"),
                List.copyOf(SplitLayout.identifiers("forChunks(batch * 16, (from, to) -> a[i] = 1.0E-7f + Gemm.sgemm(b.length, x.y));")));
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) n++;
        return n;
    }
}
