package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.TensorType;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.train.LrPolicy;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * RMSprop, Adadelta, step decay, parameter groups and moving-statistic updates of generated code
 * against the rules computed here in double precision.
 */
class OptimizerZooTest {
    private static final float[] P = {1f, 2f, 3f};
    private static final float[] G = {0.5f, -1f, 2f};

    /** loss = sum(p * x) + sum(q * x), so grad/p = grad/q = x; update/m = p (a moving statistic). */
    private static GeneratedModel model(OptimizerSpec optimizer) {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", TensorType.f32(3));
        int p = b.parameter("dense/kernel", TensorType.f32(3), new Init.Zeros(), true);
        int q = b.parameter("conv2d/kernel", TensorType.f32(3), new Init.Zeros(), true);
        int m = b.parameter("bn/moving_mean", TensorType.f32(3), new Init.Zeros(), false);
        int sum = b.addChecked(new Op.Binary(BinaryFn.ADD), b.addChecked(new Op.Binary(BinaryFn.MUL), p, x),
                b.addChecked(new Op.Binary(BinaryFn.MUL), q, x));
        b.output(Graph.LOSS, b.addChecked(new Op.Reduce(ReduceFn.SUM, List.of(0), false), sum));
        int next = b.addChecked(new Op.Binary(BinaryFn.ADD), b.addChecked(new Op.Binary(BinaryFn.MUL), p, x), m);
        b.parameterUpdate(m, Graph.UPDATE_PREFIX + "bn/moving_mean", next);
        Graph g = Autodiff.differentiate(b.build());
        GeneratedModel model = Harness.compile(PlanKernels.unfused(g), optimizer);
        model.setBatch(1);
        System.arraycopy(P, 0, model.floatBuffer("dense/kernel"), 0, 3);
        System.arraycopy(P, 0, model.floatBuffer("conv2d/kernel"), 0, 3);
        System.arraycopy(G, 0, model.floatBuffer("x"), 0, 3);
        return model;
    }

    private static void steps(GeneratedModel m, float lr, int n) {
        for (int step = 1; step <= n; step++) {
            m.forward(true);
            m.backward();
            m.update(lr, step);
        }
    }

    @Test
    void rmsprop() {
        GeneratedModel m = model(new OptimizerSpec.RmsProp(0.01, 0.9, 1e-7));
        assertEquals(Set.of("rmsprop_v/dense/kernel", "rmsprop_v/conv2d/kernel"), m.optimizerState().keySet());
        steps(m, 0.01f, 2);
        for (int i = 0; i < 3; i++) {
            double v = 0, w = P[i];
            for (int t = 1; t <= 2; t++) {
                v = 0.9 * v + 0.1 * G[i] * G[i];
                w -= 0.01 * G[i] / (Math.sqrt(v) + 1e-7);
            }
            assertEquals(w, m.floatBuffer("dense/kernel")[i], 1e-5);
            assertEquals(v, m.optimizerState().get("rmsprop_v/dense/kernel")[i], 1e-6);
        }
    }

    @Test
    void adadelta() {
        GeneratedModel m = model(new OptimizerSpec.Adadelta(1.0, 0.95, 1e-6));
        steps(m, 1.0f, 3);
        for (int i = 0; i < 3; i++) {
            double a = 0, s = 0, w = P[i];
            for (int t = 1; t <= 3; t++) {
                a = 0.95 * a + 0.05 * G[i] * G[i];
                double d = Math.sqrt(s + 1e-6) / Math.sqrt(a + 1e-6) * G[i];
                s = 0.95 * s + 0.05 * d * d;
                w -= d;
            }
            assertEquals(w, m.floatBuffer("dense/kernel")[i], 1e-5);
            assertEquals(s, m.optimizerState().get("adadelta_delta/dense/kernel")[i], 1e-8);
        }
    }

    @Test
    void stepDecayAndParameterGroups() {
        LrPolicy policy = new LrPolicy(Optional.of(new LrPolicy.StepDecay(2, 0.5)), List.of(new LrPolicy.ParamGroup("conv2d/*", 0.05)));
        GeneratedModel m = model(new OptimizerSpec.Sgd(0.1, 0, false, 0, policy));
        steps(m, 0.1f, 3);
        // steps 1, 2 use the rate itself, step 3 half of it; the conv2d group runs at half the optimizer's rate
        double[] rates = {0.1, 0.1, 0.05};
        float[] dense = new float[3], conv = new float[3];
        for (int i = 0; i < 3; i++) {
            dense[i] = (float) (P[i] - (rates[0] + rates[1] + rates[2]) * G[i]);
            conv[i] = (float) (P[i] - 0.5 * (rates[0] + rates[1] + rates[2]) * G[i]);
        }
        assertArrayEquals(dense, m.floatBuffer("dense/kernel"), 1e-6f);
        assertArrayEquals(conv, m.floatBuffer("conv2d/kernel"), 1e-6f);
    }

    @Test
    void movingStatisticsAreCopiedOncePerStep() {
        GeneratedModel m = model(new OptimizerSpec.Sgd(0.1, 0, false, 0));
        m.forward(true);
        m.backward();
        float[] expected = new float[3];
        for (int i = 0; i < 3; i++) expected[i] = P[i] * G[i]; // p * x + m with m = 0, from the forward pass
        m.update(0.1f, 1);
        assertArrayEquals(expected, m.floatBuffer("bn/moving_mean"), 1e-6f);
        m.forward(true);
        m.backward();
        for (int i = 0; i < 3; i++) expected[i] += (P[i] - 0.1f * G[i]) * G[i]; // the new p, plus the copied m
        m.update(0.1f, 2);
        assertArrayEquals(expected, m.floatBuffer("bn/moving_mean"), 1e-5f);
    }
}
