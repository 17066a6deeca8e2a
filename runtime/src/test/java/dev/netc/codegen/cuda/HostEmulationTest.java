package dev.netc.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.codegen.java.JavaCodegen;
import dev.netc.codegen.java.JavaModelCompiler;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.RandomFeeds;
import dev.netc.ir.train.OptimizerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs generated CUDA C on the CPU: g++ compiles the .cu against {@code host_cuda.h} (one host thread
 * per CUDA thread of a block, meeting at a barrier), a generated driver runs forward (training),
 * backward and one optimizer step at an odd batch size, and every named buffer (outputs, loss,
 * gradients, updated parameters, optimizer state) is compared with the Java backend's at 1e-4.
 *
 * <p>Coverage (see docs/cuda.md): mnist_cnn (conv forward + bias + ReLU epilogue, max pool and its
 * gradient, dropout, matmul epilogues, log-softmax, reductions, conv backward data and filter, Adam),
 * mnist_softmax (SGD, sum_to), oracle_222 (transposed matmuls, sigmoid), odd_shapes (strided padded
 * convolution, overlapping padded pooling, transpose, softmax on a non-last axis, nesterov momentum),
 * modern_ops (gelu exact and tanh, silu, hard_sigmoid, erf, layer_norm and its gradient), fused and unfused,
 * and mnist_softmax and odd_shapes unfused (every op its own kernel, GEMMs without epilogue).
 */
class HostEmulationTest {
    static final int BATCH = 3;
    static final double RTOL = 1e-4;

    static Stream<Arguments> models() {
        Path examples = ExampleModels.root().resolve("examples");
        Path odd = Path.of("src/test/resources/models/odd_shapes.net");
        Path modern = Path.of("src/test/resources/models/modern_ops.net");
        Path recurrent = Path.of("src/test/resources/models/recurrent.net");
        return Stream.of(
                Arguments.of(examples.resolve("mnist_cnn.net"), true),
                Arguments.of(examples.resolve("mnist_softmax.net"), true),
                Arguments.of(examples.resolve("oracle_222.net"), true),
                Arguments.of(odd, true),
                Arguments.of(modern, true),
                Arguments.of(modern, false),
                Arguments.of(recurrent, true),
                Arguments.of(examples.resolve("mnist_softmax.net"), false),
                Arguments.of(odd, false));
    }

    @ParameterizedTest(name = "{0} fused={1}")
    @MethodSource("models")
    void generatedCudaRunOnTheHostMatchesTheJavaBackend(Path file, boolean fuse) throws Exception {
        Assumptions.assumeTrue(HostCompiler.available(), "g++ not found: skipping host emulation of CUDA kernels");
        ExampleModels.Prepared model = ExampleModels.load(file).getFirst();
        CudaProgram program = model.cuda(fuse);
        Path dir = Path.of("target", "emulation", program.sourceName().replace(".cu", ""));
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve(program.sourceName()), program.source());
        Files.writeString(dir.resolve("driver.cpp"), HostDriver.source(program, (float) model.optimizer().learningRate()));
        try (InputStream h = HostEmulationTest.class.getResourceAsStream("/host_cuda.h")) {
            Files.write(dir.resolve("host_cuda.h"), h.readAllBytes());
        }
        // the cp.async and WMMA stand-ins are the simulator's, so both emulations run one code path
        Files.copy(Path.of("src/test/c/cuda-sim/netc_emulated_intrinsics.h"), dir.resolve("netc_emulated_intrinsics.h"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        HostCompiler.compile(dir, "driver.cpp", "model");

        GeneratedModel java = JavaModelCompiler.compile("dev.netc.generated.cudatest", "Reference",
                JavaCodegen.generate(model.compilation(fuse), "dev.netc.generated.cudatest", "Reference"));
        java.setBatch(BATCH);
        feed(model.graph(), program.manifest(), java, dir, new SplittableRandom(42));
        java.forward(true);
        java.backward();
        java.update((float) model.optimizer().learningRate(), 1);

        HostCompiler.run(dir, "model", Integer.toString(BATCH), dir.toAbsolutePath().toString());
        int compared = compareAll(model, program.manifest(), java, dir);
        assertTrue(compared >= 4, "compared only " + compared + " buffers");
    }

    /** Random inputs and parameters (labels within the one_hot depth), into the Java model and files. */
    private static void feed(Graph g, CudaManifest m, GeneratedModel java, Path dir, SplittableRandom rng) throws IOException {
        for (Node n : g.nodes()) {
            String name = switch (n.op()) {
                case Op.Input in -> in.name();
                case Op.Parameter p -> p.name();
                default -> null;
            };
            if (name == null) continue;
            Path file = dir.resolve(m.bufferNamed(name).orElseThrow().name() + ".bin");
            if (n.type().dtype() == DType.I32) {
                int[] labels = java.intBuffer(name);
                int classes = RandomFeeds.labelDepth(g, n, 3);
                for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(classes);
                BinaryFiles.writeInts(file, labels);
            } else {
                float[] v = java.floatBuffer(name);
                double scale = n.op() instanceof Op.Input ? 1.0 : Math.min(0.7, 3 / Math.sqrt(v.length));
                for (int i = 0; i < v.length; i++) v[i] = (float) (scale * (0.1 + 0.9 * rng.nextDouble()) * (rng.nextBoolean() ? 1 : -1));
                BinaryFiles.writeFloats(file, v);
            }
        }
    }


    /** Compares every buffer the Java model exposes by name; returns how many were compared. */
    private static int compareAll(ExampleModels.Prepared model, CudaManifest m, GeneratedModel java, Path dir) throws IOException {
        Map<String, float[]> state = java.optimizerState();
        int compared = 0;
        List<String> report = new ArrayList<>();
        for (BufferSpec b : m.buffers()) {
            if (b.kind() == BufferSpec.Kind.ALIAS || b.kind() == BufferSpec.Kind.INPUT) continue;
            if (b.names().isEmpty()) continue; // an unnamed intermediate (a u8 argmax among them): its readers' results are compared
            double[] actual = BinaryFiles.read(dir.resolve("out").resolve(b.name() + ".bin"), b.dtype().equals("i32"));
            for (String name : b.names()) {
                double[] expected;
                if (state.containsKey(name)) expected = toDoubles(state.get(name));
                else if (b.dtype().equals("i32")) expected = toDoubles(java.intBuffer(name));
                else expected = toDoubles(java.floatBuffer(name));
                Optional<String> gradOutput = model.graph().parameterNamed(name).flatMap(p -> model.graph().gradientOutput(p.id()));
                double[] grad = b.kind() == BufferSpec.Kind.PARAMETER && model.optimizer() instanceof OptimizerSpec.Adam
                        && gradOutput.isPresent() ? toDoubles(java.floatBuffer(gradOutput.get())) : null;
                report.add(name + ": " + Closeness.check(expected, actual, RTOL, grad, name));
                compared++;
            }
        }
        System.out.println(model.name() + " (" + m.launches().size() + " launches):\n  " + String.join("\n  ", report));
        return compared;
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static double[] toDoubles(int[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
