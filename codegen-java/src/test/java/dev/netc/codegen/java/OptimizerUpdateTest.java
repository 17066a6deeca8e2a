package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.TensorType;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Optimizer steps of generated code against the update rules worked out by hand. */
class OptimizerUpdateTest {

    /** loss = sum(p * x), so grad/p = x exactly. */
    private static GeneratedModel model(OptimizerSpec optimizer, float[] p, float[] x) throws Exception {
        GraphBuilder b = new GraphBuilder();
        int xi = b.input("x", TensorType.f32(3));
        int pi = b.parameter("p", TensorType.f32(3), new Init.Zeros(), true);
        int prod = b.add(new Op.Binary(BinaryFn.MUL), null, pi, xi);
        b.output("loss", b.add(new Op.Reduce(ReduceFn.SUM, List.of(0), false), "loss", prod));
        Graph g = Autodiff.differentiate(b.build());
        GeneratedModel m = Harness.compile(PlanKernels.unfused(g), optimizer);
        m.setBatch(1);
        System.arraycopy(p, 0, m.floatBuffer("p"), 0, 3);
        System.arraycopy(x, 0, m.floatBuffer("x"), 0, 3);
        return m;
    }

    private static float[] twoSteps(GeneratedModel m, float lr) {
        for (int step = 1; step <= 2; step++) {
            m.forward(true);
            m.backward();
            m.update(lr, step);
        }
        return m.floatBuffer("p");
    }

    private static final float[] P = {1f, 2f, 3f};
    private static final float[] G = {0.5f, -1f, 2f};

    @Test
    void momentumSgd() throws Exception {
        GeneratedModel m = model(new OptimizerSpec.Sgd(0.1, 0.9, false, 0), P, G);
        assertEquals(Set.of("momentum/p"), m.optimizerState().keySet());
        float[] p = twoSteps(m, 0.1f);
        // p0: v1 = -0.1*0.5 = -0.05 -> 0.95; v2 = 0.9*-0.05 - 0.05 = -0.095 -> 0.855
        assertEquals(0.855f, p[0], 1e-6);
        for (int i = 0; i < 3; i++) {
            double v1 = -0.1 * G[i], v2 = 0.9 * v1 - 0.1 * G[i];
            assertEquals(P[i] + v1 + v2, p[i], 1e-6);
            assertEquals(v2, m.optimizerState().get("momentum/p")[i], 1e-6);
        }
    }

    @Test
    void nesterovSgd() throws Exception {
        float[] p = twoSteps(model(new OptimizerSpec.Sgd(0.1, 0.9, true, 0), P, G), 0.1f);
        // p0: v1 = -0.05, p += 0.9*v1 - 0.05 -> 0.905; v2 = -0.095, p += 0.9*v2 - 0.05 -> 0.7695
        assertEquals(0.7695f, p[0], 1e-6);
        for (int i = 0; i < 3; i++) {
            double v1 = -0.1 * G[i], v2 = 0.9 * v1 - 0.1 * G[i];
            assertEquals(P[i] + 0.9 * v1 - 0.1 * G[i] + 0.9 * v2 - 0.1 * G[i], p[i], 1e-6);
        }
    }

    @Test
    void plainSgdWithDecay() throws Exception {
        GeneratedModel m = model(new OptimizerSpec.Sgd(0.1, 0, false, 0.5), P, G);
        assertEquals(Set.of(), m.optimizerState().keySet());
        float[] p = twoSteps(m, 0.1f);
        // step 1 uses lr = 0.1, step 2 uses 0.1 / (1 + 0.5) -> p0 = 1 - 0.05 - 0.0333... = 0.91667
        assertEquals(1 - 0.05 - 0.05 / 1.5, p[0], 1e-6);
        for (int i = 0; i < 3; i++) assertEquals(P[i] - 0.1 * G[i] - 0.1 / 1.5 * G[i], p[i], 1e-6);
    }

    @Test
    void adam() throws Exception {
        GeneratedModel m = model(new OptimizerSpec.Adam(0.1, 0.9, 0.999, 1e-7), P, G);
        assertEquals(Set.of("adam_m/p", "adam_v/p"), m.optimizerState().keySet());
        float[] p = twoSteps(m, 0.1f);
        // with a constant gradient, bias-corrected Adam moves each weight by about lr against the gradient's sign
        assertArrayEquals(new float[] {0.8f, 2.2f, 2.8f}, p, 1e-4f);
        for (int i = 0; i < 3; i++) {
            double mm = 0, vv = 0, w = P[i];
            for (int t = 1; t <= 2; t++) {
                mm = 0.9 * mm + 0.1 * G[i];
                vv = 0.999 * vv + 0.001 * G[i] * G[i];
                double lrT = 0.1 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
                w -= lrT * mm / (Math.sqrt(vv) + 1e-7);
            }
            assertEquals(w, p[i], 1e-5);
            assertEquals(mm, m.optimizerState().get("adam_m/p")[i], 1e-7);
            assertEquals(vv, m.optimizerState().get("adam_v/p")[i], 1e-9);
        }
    }

    @Test
    void inferenceOnlyModelsRefuseToUpdate() throws Exception {
        GeneratedModel m = model(null, P, G);
        assertThrows(UnsupportedOperationException.class, () -> m.update(0.1f, 1));
    }
}
