package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.PlanKernels;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Batch rebinding, buffer lookup and dropout semantics of generated models. */
class GeneratedModelContractTest {

    @Test
    void rebindingTheBatchReallocatesAndStillComputesCorrectly() throws Exception {
        Graph g = Autodiff.differentiate(TestGraphs.mlp());
        GeneratedModel m = Harness.compile(FuseOps.fuse(g), null);
        float[] params = null;
        for (int batch : new int[] {5, 2}) {
            m.setBatch(batch);
            assertEquals(batch, m.batch());
            assertEquals(batch * 6, m.floatBuffer("x").length);
            Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, batch);
            Harness.load(m, g, feeds);
            if (params == null) params = m.floatBuffer("dense1/kernel");
            assertSame(params, m.floatBuffer("dense1/kernel"), "parameters survive setBatch");
            m.forward(true);
            m.backward();
            Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", batch), true, 1);
            for (String out : List.of("logits", "loss", "grad/dense1/kernel"))
                Harness.assertClose(expected.get(out).data(), Harness.read(m, g, out), 1e-4, out + " at batch " + batch);
            Harness.assertClose(expected.get("predictions").data(), Harness.read(m, g, "predictions"), 0, "predictions");
        }
    }

    /**
     * Frozen parameters (inference): the dense layers read their weights from panels packed once, with
     * the same outputs bit for bit; an update is refused until they are thawed; thawing drops the panels,
     * so weights written afterwards are seen. In one class and split alike.
     */
    @Test
    void frozenParametersGiveTheSameBitsAndRefuseAnUpdateUntilThawed() throws Exception {
        for (CodeLimits limits : List.of(CodeLimits.DEFAULT, CodeLimits.ALWAYS_SPLIT)) {
            Graph g = Autodiff.differentiate(TestGraphs.mlp());
            GeneratedModel m = Harness.compile(FuseOps.fuse(g), new dev.netc.ir.train.OptimizerSpec.Adam(0.05, 0.9, 0.999, 1e-7), limits);
            m.setBatch(5);
            Harness.load(m, g, Harness.randomFeeds(g, 5, 3));
            m.predict();
            float[] thawed = m.floatBuffer("logits").clone();
            m.freezeParameters(true);
            m.predict();
            m.predict();
            assertTrue(Arrays.equals(thawed, m.floatBuffer("logits")), "frozen predict: the same bits (" + limits + ")");
            var refused = assertThrows(IllegalStateException.class, () -> m.update(0.1f, 1));
            assertTrue(refused.getMessage().contains("frozen"), refused.getMessage());
            m.freezeParameters(false);
            float[] kernel = m.floatBuffer("dense2/kernel");
            for (int i = 0; i < kernel.length; i++) kernel[i] *= 2f;
            m.predict();
            assertFalse(Arrays.equals(thawed, m.floatBuffer("logits")), "thawed: new weights are seen");
            m.forward(true);
            m.backward();
            m.update(0.1f, 1); // thawed: training goes on
        }
    }

    @Test
    void unknownBufferNamesAreRejectedWithTheKnownOnes() throws Exception {
        GeneratedModel m = Harness.compile(PlanKernels.unfused(Autodiff.differentiate(TestGraphs.mlp())), null);
        m.setBatch(2);
        var e = assertThrows(IllegalArgumentException.class, () -> m.floatBuffer("nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("grad/dense2/bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.intBuffer("logits"));
        assertThrows(IllegalStateException.class, () -> Harness.compile(PlanKernels.unfused(TestGraphs.mlp()), null).predict());
    }

    /** y = x * dropout_mask(x); loss = sum(y * p), so grad/p is y summed over the batch. */
    private static Graph dropoutGraph() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(200))));
        int p = b.parameter("p", TensorType.f32(200), new Init.Ones(), true);
        int mask = b.add(new Op.DropoutMask(0.3), "mask", x);
        int y = b.add(new Op.Binary(BinaryFn.MUL), "y", x, mask);
        b.output("y", y);
        int weighted = b.add(new Op.Binary(BinaryFn.MUL), null, y, p);
        b.output("loss", b.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), "loss", weighted));
        return Autodiff.differentiate(b.build());
    }

    @Test
    void dropoutDropsAtTheRateScalesTheRestAndIsReplayedByBackward() throws Exception {
        Graph g = dropoutGraph();
        for (var plan : List.of(PlanKernels.unfused(g), FuseOps.fuse(g))) {
            GeneratedModel m = Harness.compile(plan, null);
            int batch = 50;
            m.setBatch(batch);
            float[] x = m.floatBuffer("x");
            for (int i = 0; i < x.length; i++) x[i] = 1f + (i % 7);
            Arrays.fill(m.floatBuffer("p"), 1f);
            m.setSeed(3);
            m.forward(true);
            m.backward();
            float[] y = m.floatBuffer("y").clone();
            int dropped = 0;
            for (int i = 0; i < y.length; i++) {
                if (y[i] == 0) dropped++;
                else assertEquals(x[i] / 0.7f, y[i], 1e-5f * y[i], "kept elements are scaled by 1/(1-rate)");
            }
            double rate = dropped / (double) y.length;
            assertTrue(rate > 0.26 && rate < 0.34, "dropped fraction " + rate);
            float[] grad = m.floatBuffer("grad/p");
            for (int j = 0; j < 200; j++) {
                double sum = 0;
                for (int b = 0; b < batch; b++) sum += y[b * 200 + j];
                assertEquals(sum, grad[j], 1e-4 * Math.max(1, sum), "backward reuses the forward mask");
            }
            m.forward(true);
            assertFalse(Arrays.equals(y, m.floatBuffer("y")), "the next training pass draws a new mask");
            m.setSeed(3);
            m.forward(true);
            assertTrue(Arrays.equals(y, m.floatBuffer("y")), "the same seed replays the same masks");
            m.predict();
            assertTrue(Arrays.equals(x, m.floatBuffer("y")), "no dropout in inference");
            m.forward(false);
            assertNotEquals(0, m.floatBuffer("loss")[0]);
            assertTrue(Arrays.equals(x, m.floatBuffer("y")), "no dropout outside training");
        }
    }
}
