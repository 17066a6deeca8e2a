package dev.netc.runtime.cuda;

import static dev.netc.runtime.cuda.GpuTest.feedBatch;
import static dev.netc.runtime.cuda.GpuTest.feedParameters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.codegen.cuda.CudaManifest;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.LaunchSpec;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.checkpoint.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA runtime on the simulator beyond single steps: loss trajectories over several steps without
 * re-synchronising the two backends, checkpoints written from and restored into a CUDA model, a
 * model driven from several threads, and launch errors that name their kernel.
 */
class SimRuntimeTest {
    @BeforeAll
    static void simulator() { Simulator.require(); }

    /** Eight steps at batch 4; the losses agree to 1e-3 relative (4 significant digits) at every step. */
    @ParameterizedTest
    @ValueSource(strings = {"spirals", "mnist_cnn", "keras_cnn_d", "resnet_small"})
    void lossTrajectoryMatchesTheJavaBackend(String name) {
        CudaExamples.Trained t = CudaExamples.named(name);
        GeneratedModel cpu = JavaBackend.compile(t.compilation(true), name);
        try (CudaModel gpu = CudaBackend.compile(t.compilation(true), name)) {
            List<GeneratedModel> both = List.of(cpu, gpu);
            for (GeneratedModel m : both) {
                m.setBatch(4);
                m.setSeed(3);
            }
            feedParameters(t.graph(), both, new SplittableRandom(5));
            SimTrainingTest.positiveStatistics(t.graph(), both);
            SplittableRandom data = new SplittableRandom(6);
            List<String> losses = new ArrayList<>();
            for (int step = 1; step <= 8; step++) {
                feedBatch(t.graph(), both, data);
                float[] loss = new float[2];
                for (int k = 0; k < 2; k++) {
                    GeneratedModel m = both.get(k);
                    m.forward(true);
                    m.backward();
                    m.update((float) t.optimizer().learningRate(), step);
                    loss[k] = m.floatBuffer(Graph.LOSS)[0];
                }
                losses.add(step + ": java " + loss[0] + " cuda " + loss[1]);
                assertEquals(loss[0], loss[1], 1e-3 * Math.abs(loss[0]), String.join("\n", losses));
            }
            System.out.println(name + " losses, simulated CUDA vs Java:\n  " + String.join("\n  ", losses));
        }
    }

    /**
     * Dropout's counter-based generator gives the same mask on both backends, bit for bit: the model's
     * output is x * mask, x is all ones, so the outputs are the masks. Several training passes (each
     * draws a new mask), fused and not, and the Java side's vector and scalar-tail forms (3 x 37 values
     * per image: not a multiple of the vector width).
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void dropoutMasksAreTheSameBitsOnBothBackends(boolean fuse) {
        CudaExamples.Trained t = CudaExamples.trained(Path.of("src/test/resources/models/dropout_mask.net")).getFirst();
        GeneratedModel cpu = JavaBackend.compile(t.compilation(fuse), t.name());
        try (CudaModel gpu = CudaBackend.compile(t.compilation(fuse), t.name())) {
            for (GeneratedModel m : List.of(cpu, gpu)) {
                m.setBatch(7);
                m.setSeed(2026);
                java.util.Arrays.fill(m.floatBuffer("x"), 1f);
            }
            int dropped = 0;
            for (int pass = 0; pass < 3; pass++) {
                cpu.forward(true);
                gpu.forward(true);
                float[] expected = cpu.floatBuffer("logits");
                float[] actual = gpu.floatBuffer("logits");
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "pass " + pass + ", element " + i);
                    if (expected[i] == 0f) dropped++;
                }
            }
            // rate 0.3 of 3 passes x 7 images x 111 values (2,331): about 700 dropped
            assertTrue(dropped > 550 && dropped < 850, dropped + " dropped");
        }
    }

    /** A checkpoint of a CUDA model restores into a Java model and into a new CUDA model, bit for bit. */
    @Test
    void checkpointsRoundTripThroughTheCudaModel(@TempDir Path dir) {
        CudaExamples.Trained t = CudaExamples.named("keras_cnn_d");
        Graph g = t.graph();
        Path file = dir.resolve("run.safetensors");
        try (CudaModel gpu = CudaBackend.compile(t.compilation(true), t.name())) {
            gpu.setBatch(3);
            gpu.setSeed(1);
            feedParameters(g, List.of(gpu), new SplittableRandom(7));
            SimTrainingTest.positiveStatistics(g, List.of(gpu));
            SplittableRandom data = new SplittableRandom(8);
            for (int step = 1; step <= 2; step++) {
                feedBatch(g, List.of(gpu), data);
                gpu.forward(true);
                gpu.backward();
                gpu.update((float) t.optimizer().learningRate(), step);
            }
            Checkpoints.save(file, gpu, g, true, Optional.empty());
            GeneratedModel cpu = JavaBackend.compile(t.compilation(true), t.name());
            cpu.setBatch(3);
            try (CudaModel again = CudaBackend.compile(t.compilation(true), t.name())) {
                again.setBatch(2);
                for (GeneratedModel m : List.of(cpu, again)) {
                    Checkpoints.restore(Checkpoints.load(file), m, g, true);
                    for (Node n : g.parameters()) {
                        String p = ((Op.Parameter) n.op()).name();
                        assertArrayEquals(gpu.floatBuffer(p), m.floatBuffer(p), p);
                    }
                    for (var e : gpu.optimizerState().entrySet()) assertArrayEquals(e.getValue(), m.optimizerState().get(e.getKey()), e.getKey());
                }
                // the restored CUDA model trains from the checkpoint like the restored Java model
                cpu.setBatch(2);
                cpu.setSeed(2);
                again.setSeed(2);
                feedBatch(g, List.of(cpu, again), data);
                for (GeneratedModel m : List.of(cpu, again)) {
                    m.forward(true);
                    m.backward();
                    m.update((float) t.optimizer().learningRate(), 3);
                }
                assertEquals(cpu.floatBuffer(Graph.LOSS)[0], again.floatBuffer(Graph.LOSS)[0], 1e-4 * Math.abs(cpu.floatBuffer(Graph.LOSS)[0]));
            }
        }
    }

    /** The driver's current context is per thread: a model built on one thread is driven from others. */
    @Test
    void aModelRunsOnOtherThreads() throws Exception {
        CudaExamples.Trained t = CudaExamples.named("spirals");
        GeneratedModel cpu = JavaBackend.compile(t.compilation(true), t.name());
        try (CudaModel gpu = CudaBackend.compile(t.compilation(true), t.name()); ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<GeneratedModel> both = List.of(cpu, gpu);
            for (GeneratedModel m : both) {
                m.setBatch(6);
                m.setSeed(1);
            }
            feedParameters(t.graph(), both, new SplittableRandom(3));
            SplittableRandom data = new SplittableRandom(4);
            for (int step = 1; step <= 3; step++) {
                feedBatch(t.graph(), both, data);
                final int s = step;
                for (GeneratedModel m : both) pool.submit(() -> {
                    m.forward(true);
                    m.backward();
                    m.update((float) t.optimizer().learningRate(), s);
                }).get();
                assertEquals(cpu.floatBuffer(Graph.LOSS)[0], pool.submit(() -> gpu.floatBuffer(Graph.LOSS)[0]).get(), 1e-4);
            }
        }
    }

    /**
     * A launch the GPU would refuse (here: 2048 threads per block) fails with the driver's error,
     * naming the kernel and its plan kernel; the model stays usable for a correct launch afterwards.
     */
    @Test
    void aFailedLaunchNamesItsKernel() {
        CudaExamples.Trained t = CudaExamples.named("spirals");
        CudaProgram program = CudaBackend.generate(t.compilation(true), t.name());
        CudaManifest m = program.manifest();
        List<LaunchSpec> launches = new ArrayList<>(m.launches());
        LaunchSpec first = launches.getFirst();
        launches.set(0, new LaunchSpec(first.function(), first.planKernel(), first.phase(), first.grid(), List.of(2048, 1, 1),
                first.sharedBytes(), first.args()));
        CudaManifest broken = new CudaManifest(m.model(), m.source(), m.optimizer(), m.buffers(), launches);
        CudaDriver cu = CudaDriver.load();
        cu.useDevice(cu.device(0));
        byte[] image = CudaBackend.compile(Nvrtc.load(), program, cu.device(0).arch());
        try (CudaModel gpu = new CudaModel(cu, broken, image, true)) {
            gpu.setBatch(2);
            CudaException e = assertThrows(CudaException.class, gpu::predict);
            assertTrue(e.getMessage().startsWith("kernel " + first.function() + " (predict, plan kernel " + first.planKernel() + "): "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("CUDA_ERROR_INVALID_VALUE"), e.getMessage());
        }
        try (CudaModel gpu = new CudaModel(cu, m, image, true)) {
            gpu.setBatch(2);
            gpu.predict();
            assertTrue(Float.isFinite(gpu.floatBuffer("logits")[0]));
        }
    }

    /**
     * A sticky error (a kernel handed a pointer outside every allocation: CUDA_ERROR_ILLEGAL_ADDRESS)
     * resets the context: the error names the kernel and the reset, the broken model refuses further
     * use and closes without touching the old memory, and the next model trains normally.
     */
    @Test
    void aStickyErrorResetsTheContextForTheNextModel() {
        CudaExamples.Trained t = CudaExamples.named("spirals");
        CudaDriver cu = CudaDriver.load();
        cu.useDevice(cu.device(0));
        byte[] image = CudaBackend.compile(Nvrtc.load(), CudaBackend.generate(t.compilation(true), t.name()), cu.device(0).arch());
        CudaManifest m = CudaBackend.generate(t.compilation(true), t.name()).manifest();
        int resets = CudaDriver.resets();
        CudaModel broken = new CudaModel(cu, m, image, true);
        broken.setBatch(2);
        cu.free(broken.devicePointer("logits"));  // the next launch writing logits faults
        CudaException e = assertThrows(CudaException.class, broken::predict);
        assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS") && e.getMessage().contains("context was reset"), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel "), e.getMessage());
        assertEquals(resets + 1, CudaDriver.resets());
        IllegalStateException stale = assertThrows(IllegalStateException.class, broken::predict);
        assertTrue(stale.getMessage().contains("compile it again"), stale.getMessage());
        broken.close();

        GeneratedModel cpu = JavaBackend.compile(t.compilation(true), t.name());
        try (CudaModel next = CudaBackend.compile(t.compilation(true), t.name())) {
            List<GeneratedModel> both = List.of(cpu, next);
            for (GeneratedModel g : both) {
                g.setBatch(3);
                g.setSeed(1);
            }
            feedParameters(t.graph(), both, new SplittableRandom(9));
            feedBatch(t.graph(), both, new SplittableRandom(10));
            for (GeneratedModel g : both) {
                g.forward(true);
                g.backward();
                g.update((float) t.optimizer().learningRate(), 1);
            }
            assertEquals(cpu.floatBuffer(Graph.LOSS)[0], next.floatBuffer(Graph.LOSS)[0], 1e-4 * Math.abs(cpu.floatBuffer(Graph.LOSS)[0]));
        }
    }

    /** Without the simulator's folder the same runtime reports the missing driver (exit 2 in the CLI). */
    @Test
    void theSimulatorIsFoundThroughTheLibraryDirectory() {
        Path dir = Simulator.require();
        assertTrue(Files.exists(dir.resolve("libcuda.so.1")));
        assertEquals(Optional.empty(), CudaAvailability.problem());
        assertEquals("netc CUDA simulator", CudaDriver.load().device(0).name());
    }
}
