package dev.netc.runtime.cuda;

import static dev.netc.runtime.cuda.GpuTest.feedBatch;
import static dev.netc.runtime.cuda.GpuTest.feedParameters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.ir.Graph;
import dev.netc.runtime.backend.JavaBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --precision tf32} on the simulator: the GEMMs run the WMMA path (netc_gemm.cuh's TensorMath)
 * with the emulation header's fragment stand-ins, which round operands to TF32 like the GPU. Losses
 * over four steps (batch 4, 4, 3, 3, no re-synchronisation) stay within {@link #LOSS_RTOL} of the
 * Java backend's FP32 losses, and differ from the FP32 CUDA build's (so the rounding path really ran).
 */
class SimTf32Test {
    /** TF32 keeps 10 mantissa bits (relative rounding 2^-11, about 5e-4) per operand; sums stay FP32. */
    static final double LOSS_RTOL = 1e-2;

    @BeforeAll
    static void simulator() { Simulator.require(); }

    @ParameterizedTest
    @ValueSource(strings = {"mnist_cnn", "gemm_shapes"})
    void tf32LossesFollowTheJavaBackend(String name) {
        CudaExamples.Trained t = name.equals("gemm_shapes")
                ? CudaExamples.trained(Path.of("src/test/resources/models/gemm_shapes.net")).getFirst() : CudaExamples.named(name);
        GeneratedModel cpu = JavaBackend.compile(t.compilation(true), name);
        try (CudaModel tf32 = CudaBackend.compile(t.compilation(true), name, 0, GemmTiling.Precision.TF32);
             CudaModel fp32 = CudaBackend.compile(t.compilation(true), name, 0, GemmTiling.Precision.FP32)) {
            List<GeneratedModel> all = List.of(cpu, tf32, fp32);
            for (GeneratedModel m : all) {
                m.setBatch(4);
                m.setSeed(3);
            }
            feedParameters(t.graph(), all, new SplittableRandom(5));
            SimTrainingTest.positiveStatistics(t.graph(), all);
            SplittableRandom data = new SplittableRandom(6);
            List<String> log = new ArrayList<>();
            double largestTf32Change = 0;
            int step = 0;
            for (int batch : new int[] {4, 4, 3, 3}) {
                step++;
                for (GeneratedModel m : all) m.setBatch(batch);
                feedBatch(t.graph(), all, data);
                float[] loss = new float[3];
                for (int k = 0; k < 3; k++) {
                    GeneratedModel m = all.get(k);
                    m.forward(true);
                    m.backward();
                    m.update((float) t.optimizer().learningRate(), step);
                    loss[k] = m.floatBuffer(Graph.LOSS)[0];
                }
                log.add(step + ": java " + loss[0] + " tf32 " + loss[1] + " fp32 " + loss[2]);
                assertEquals(loss[0], loss[1], LOSS_RTOL * Math.abs(loss[0]), String.join("\n", log));
                assertEquals(loss[0], loss[2], 1e-3 * Math.abs(loss[0]), String.join("\n", log));
                largestTf32Change = Math.max(largestTf32Change, Math.abs(loss[1] - loss[2]));
            }
            System.out.println(name + " losses, simulated CUDA tf32 / fp32 vs Java:\n  " + String.join("\n  ", log));
            assertTrue(largestTf32Change > 0, "TF32 losses equal FP32's bit for bit: the rounding path did not run\n" + String.join("\n", log));
        }
    }
}
