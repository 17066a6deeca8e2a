package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.UpdateFusion;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.backend.JavaBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * backwardAndUpdate, where a weight gradient's product updates its parameter block by block, against backward()
 * then update(): the same parameters and optimizer state to the bit after a few steps, for every example that trains
 * (each optimizer, dense, convolutional and recurrent models).
 */
class UpdateInBackwardTest {
    private static final int STEPS = 3;

    static Stream<Arguments> trainingModels() {
        return Examples.all().stream().flatMap(file -> FusionEquivalenceTest.models(file).stream()
                .filter(m -> m.train().isPresent() && m.graph().output(Graph.LOSS).isPresent())
                .map(m -> Arguments.of(file.getFileName() + ":" + m.name(), m)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trainingModels")
    void updatingInsideTheBackwardPassGivesTheSameBits(String name, CheckedModel model) {
        Compilation plan = Pipeline.compile(model, CompileOptions.training());
        Graph g = plan.graph();
        Map<String, DTensor> feeds = FusionEquivalenceTest.randomFeeds(g, 77);
        GeneratedModel separate = JavaBackend.compile(plan, model.name()), together = JavaBackend.compile(plan, model.name());
        float learningRate = (float) model.train().map(TrainSpec::optimizer).orElseThrow().learningRate();
        for (GeneratedModel m : List.of(separate, together)) {
            m.setBatch(FusionEquivalenceTest.BATCH);
            FusionEquivalenceTest.load(m, g, feeds);
        }
        for (int step = 1; step <= STEPS; step++) {
            separate.setSeed(step);
            separate.forward(true);
            separate.backward();
            separate.update(learningRate, step);
            together.setSeed(step);
            together.forward(true);
            Map<String, float[]> before = new java.util.HashMap<>();
            for (String updated : together.updatedInBackward()) before.put(updated, together.floatBuffer(updated));
            together.backwardAndUpdate(learningRate, step);
            assertEquals(separate.floatBuffer(Graph.LOSS)[0], together.floatBuffer(Graph.LOSS)[0], name + " loss at step " + step);
            for (var e : before.entrySet()) { // the update wrote a second array, now the parameter's
                assertNotSame(e.getValue(), together.floatBuffer(e.getKey()), name + " " + e.getKey() + " at step " + step);
                assertArrayEquals(separate.floatBuffer(e.getKey()), together.floatBuffer(e.getKey()), name + " " + e.getKey() + " at step " + step);
            }
        }
        for (Node p : g.trainableParameters()) {
            String parameter = ((Op.Parameter) p.op()).name();
            assertArrayEquals(separate.floatBuffer(parameter), together.floatBuffer(parameter), name + " " + parameter);
        }
        for (var state : separate.optimizerState().entrySet())
            assertArrayEquals(state.getValue(), together.optimizerState().get(state.getKey()), name + " " + state.getKey());
        for (String updated : together.updatedInBackward())
            assertTrue(g.parameterNamed(updated).isPresent(), name + ": " + updated + " is a parameter");
    }

    @Test
    void theMnistCnnsDenseWeightsAreUpdatedByTheirGradientsProducts() {
        CheckedModel model = mnistCnn();
        GeneratedModel m = JavaBackend.compile(Pipeline.compile(model, CompileOptions.training()), model.name());
        assertEquals(java.util.Set.of("dense/kernel", "dense_1/kernel"), m.updatedInBackward());
        GeneratedModel unfused = JavaBackend.compile(Pipeline.compile(model, CompileOptions.training().fused(false)), model.name());
        assertEquals(java.util.Set.of(), unfused.updatedInBackward(), "the unfused baseline updates after the backward pass");
    }

    /** With dW before dX = dY W^T (which reads the old weights), the product must not update W. */
    @Test
    void aProductBeforeAnotherReaderOfItsWeightsLeavesThemToTheUpdate() {
        KernelPlan plan = Pipeline.compile(mnistCnn(), CompileOptions.training()).plan();
        Graph g = plan.graph();
        int weights = g.parameterNamed("dense/kernel").orElseThrow().id();
        Kernel product = UpdateFusion.choose(plan).entrySet().stream().filter(e -> e.getValue() == weights)
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        List<Kernel> reordered = new ArrayList<>(plan.kernels());
        int at = reordered.indexOf(product);
        int reader = -1;
        for (int k = 0; k < at; k++)
            for (int id : reordered.get(k).allNodes()) if (g.node(id).inputs().contains(weights) && reordered.get(k).phase() == Kernel.Phase.BACKWARD) reader = k;
        assertTrue(reader >= 0, "dX reads the weights before their gradient's product");
        reordered.remove(at);
        reordered.add(reader, product);
        assertFalse(UpdateFusion.choose(new KernelPlan(g, reordered)).containsValue(weights));
    }

    private static CheckedModel mnistCnn() {
        return Examples.all().stream().filter(f -> f.getFileName().toString().equals("mnist_cnn.net"))
                .flatMap(f -> FusionEquivalenceTest.models(f).stream()).findFirst().orElseThrow();
    }
}
