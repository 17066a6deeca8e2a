package dev.netc.runtime.cuda;

import static dev.netc.runtime.cuda.GpuTest.assertClose;
import static dev.netc.runtime.cuda.GpuTest.feedBatch;
import static dev.netc.runtime.cuda.GpuTest.feedParameters;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.runtime.backend.JavaBackend;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real CUDA runtime path (CudaBackend, NVRTC and driver calls through FFM, CudaModel's buffers,
 * alias pointers, host mirrors, SizeFormula grids and kernel parameters) on the CUDA simulator,
 * against the Java backend at 1e-4: several training steps at one batch size, then another batch
 * size, inference with training off and predict; after every pass every float output of the graph
 * (loss, logits, gradients), every parameter and all optimizer state are compared.
 */
class SimTrainingTest {
    static final double RTOL = 1e-4;

    @BeforeAll
    static void simulator() { Simulator.require(); }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("spirals", true),
                Arguments.of("keras_cnn_a", true));
    }

    @ParameterizedTest(name = "{0} fused={1}")
    @MethodSource("models")
    void trainsLikeTheJavaBackend(String name, boolean fuse) {
        CudaExamples.Trained t = CudaExamples.named(name);
        Graph g = t.graph();
        GeneratedModel cpu = JavaBackend.compile(t.compilation(fuse), name);
        try (CudaModel gpu = CudaBackend.compile(t.compilation(fuse), name)) {
            List<GeneratedModel> both = List.of(cpu, gpu);
            for (GeneratedModel m : both) {
                m.setBatch(5);
                m.setSeed(7);
            }
            feedParameters(g, both, new SplittableRandom(1));
            SplittableRandom data = new SplittableRandom(2);
            int step = 0;
            for (int batch : new int[] {5, 5, 3, 1}) {
                for (GeneratedModel m : both) m.setBatch(batch);
                feedBatch(g, both, data);
                step++;
                for (GeneratedModel m : both) {
                    m.forward(true);
                    m.backward();
                    m.update((float) t.optimizer().learningRate(), step);
                }
                compareAll(g, cpu, gpu, name + " step " + step + " batch " + batch);
            }
            feedBatch(g, both, data);
            for (GeneratedModel m : both) m.forward(false);
            compareOutputs(g, cpu, gpu, name + " inference");
            for (GeneratedModel m : both) m.predict();
            compareOutputs(g, cpu, gpu, name + " predict");
        }
    }

    static void compareAll(Graph g, GeneratedModel cpu, GeneratedModel gpu, String what) {
        compareOutputs(g, cpu, gpu, what);
        for (Node n : g.parameters()) {
            String p = ((Op.Parameter) n.op()).name();
            assertClose(cpu.floatBuffer(p), gpu.floatBuffer(p), RTOL, what + " parameter " + p);
        }
        for (var e : cpu.optimizerState().entrySet())
            assertClose(e.getValue(), gpu.optimizerState().get(e.getKey()), RTOL, what + " " + e.getKey());
    }

    static void compareOutputs(Graph g, GeneratedModel cpu, GeneratedModel gpu, String what) {
        for (String out : g.outputs().keySet()) {
            if (g.node(g.outputs().get(out)).type().dtype() == DType.I32) continue;
            assertClose(cpu.floatBuffer(out), gpu.floatBuffer(out), RTOL, what + " " + out);
        }
    }
}
