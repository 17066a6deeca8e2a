package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.plan.Compilation;
import dev.netc.api.GeneratedModel;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.train.ParameterInitializer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Small networks with known answers, run through the whole pipeline and the generated Java code. */
class OracleTest {

    @Test
    void sigmoid332ForwardMatchesHandComputation() {
        CheckedModel m = Examples.model("oracle_332.net");
        GeneratedModel net = JavaBackend.compile(Pipeline.compile(m, CompileOptions.inferenceOnly()), m.name());
        ParameterInitializer.initialize(net, m.graph(), 0);
        net.setBatch(1);
        System.arraycopy(new float[] {0.5f, 0.9f, -0.3f}, 0, net.floatBuffer("x"), 0, 3);
        net.predict();
        assertArrayEquals(new float[] {0.130108f, 0.956893f, 0.401312f}, net.floatBuffer("hidden"), 1e-6f);
        assertArrayEquals(new float[] {0.345841f, 0.853149f}, net.floatBuffer("out"), 1e-6f);
    }

    @Test
    void mazur222BackpropagationMatchesPublishedNumbers() {
        CheckedModel m = Examples.model("oracle_222.net");
        Compilation c = Pipeline.compile(m, CompileOptions.training());
        Graph g = c.graph();
        GeneratedModel net = JavaBackend.compile(c, m.name());
        ParameterInitializer.initialize(net, g, 0);
        net.setBatch(1);
        System.arraycopy(new float[] {0.05f, 0.10f}, 0, net.floatBuffer("x"), 0, 2);
        System.arraycopy(new float[] {0.01f, 0.99f}, 0, net.floatBuffer("t"), 0, 2);
        float lr = (float) m.train().orElseThrow().optimizer().learningRate();

        net.forward(true);
        assertEquals(0.298371109, net.floatBuffer("loss")[0], 1e-6, "initial total error");
        net.backward();
        // w_out is [out, in]: element 0 is w5 (h1 -> o1).
        assertEquals(0.082167041, net.floatBuffer("grad/w_out")[0], 1e-6, "dE/dw5");
        net.update(lr, 1);
        assertEquals(0.35891648, net.floatBuffer("w_out")[0], 1e-6, "w5 after one step");
        net.forward(true);
        assertEquals(0.291027774, net.floatBuffer("loss")[0], 1e-6, "error after one step");
        assertEquals(0.35f, net.floatBuffer("b1")[0], "b1 is frozen");

        for (int step = 2; step <= 10_000; step++) {
            net.forward(true);
            net.backward();
            net.update(lr, step);
        }
        net.forward(true);
        assertEquals(0.000035102, net.floatBuffer("loss")[0], 0.000035102 * 1e-3, "error after 10,000 steps");
    }

    @Test
    void strideTwoPaddedConvolutionMatchesDirectReference() {
        CheckedModel m = Examples.model("oracle_conv.net");
        GeneratedModel net = JavaBackend.compile(Pipeline.compile(m, CompileOptions.inferenceOnly()), m.name());
        net.setBatch(1);
        SplittableRandom rng = new SplittableRandom(42);
        float[] x = net.floatBuffer("x"), w = net.floatBuffer("w"), b = net.floatBuffer("b");
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble(-1, 1);
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-1, 1);
        b[0] = 1;
        b[1] = 0;
        net.predict();
        float[] y = net.floatBuffer("y");
        assertEquals(2 * 3 * 3, y.length, "output is 3x3x2");
        for (int f = 0; f < 2; f++)
            for (int oy = 0; oy < 3; oy++)
                for (int ox = 0; ox < 3; ox++) {
                    double sum = b[f];
                    for (int c = 0; c < 3; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy * 2 + ky - 1, ix = ox * 2 + kx - 1;
                                if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
                                sum += (double) x[(c * 5 + iy) * 5 + ix] * w[((f * 3 + c) * 3 + ky) * 3 + kx];
                            }
                    assertEquals(sum, y[(f * 3 + oy) * 3 + ox], 1e-5, "y[" + f + "," + oy + "," + ox + "]");
                }
    }
}
