package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.compiler.OutputBuffers;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: an output that rebinds an input's or parameter's name ({@code x = dense(x, 2); output x})
 * had its accuracy computed from the input features, because the runtime read the output buffer by a
 * name the input also has. The prediction is found as a node and read under a name that reaches it.
 */
class ModelBindingTest {

    /** x f32[B, 2] -> output NAME = x w + b (f32[B, 3]), with a loss; the output's name is chosen by the test. */
    static Graph graph(String outputName, String weightName) throws ShapeError {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(2))));
        g.input("y", new TensorType(DType.I32, Shape.of(Dim.sym("B"))));
        int w = g.parameter(weightName, TensorType.f32(2, 3), new Init.Constant(0.5), true);
        int b = g.parameter("b", TensorType.f32(3), new Init.Constant(1), true);
        int logits = g.add(new Op.Binary(BinaryFn.ADD), outputName, g.add(new Op.MatMul(false, false), null, x, w), b);
        g.output(outputName, logits);
        g.output(Graph.LOSS, g.add(new Op.Reduce(dev.netc.ir.ReduceFn.MEAN, List.of(0, 1), false), null, logits));
        return g.build();
    }

    @Test
    void theScoresAreTheFirstOutputsNodeEvenWhenAnInputHasItsName() throws ShapeError {
        for (String name : List.of("x", "w", "logits")) {
            Graph graph = graph(name, "w");
            ModelBinding binding = ModelBinding.resolve(graph, SoftmaxRegressionModel.spec(4, List.of("accuracy")));
            assertEquals(3, binding.scoreClasses());
            String buffer = binding.scoresOutput().orElseThrow();
            assertEquals(name.equals("logits") ? "logits" : OutputBuffers.ALIAS_PREFIX + name, buffer);

            // the compiled model answers that name with the output's values, not the input's or parameter's
            GeneratedModel model = JavaBackend.compile(Pipeline.compile(graph, null, CompileOptions.inferenceOnly()), "rebind");
            ParameterInitializer.initialize(model, graph, 1);
            model.setBatch(2);
            System.arraycopy(new float[] {1, 2, 3, 4}, 0, model.floatBuffer("x"), 0, 4);
            model.predict();
            float[] scores = model.floatBuffer(buffer);
            assertEquals(6, scores.length, name);
            // row 0: (1 + 2) * 0.5 + 1 = 2.5 in every column; row 1: (3 + 4) * 0.5 + 1 = 4.5
            assertEquals(List.of(2.5f, 2.5f, 2.5f, 4.5f, 4.5f, 4.5f), boxed(scores), name);
            assertEquals(List.of(1f, 2f, 3f, 4f), boxed(model.floatBuffer("x")), "the input keeps its name");
        }
    }

    @Test
    void onlyShadowedOutputsGetAnAlias() throws ShapeError {
        Graph plain = graph("logits", "w");
        assertEquals(plain.outputs(), OutputBuffers.expose(plain).outputs());
        Graph shadowed = graph("x", "w");
        Graph exposed = OutputBuffers.expose(shadowed);
        assertEquals(shadowed.output("x"), exposed.output("output:x"));
        assertEquals(List.of("x"), OutputBuffers.modelOutputs(exposed).stream().map(e -> e.getKey()).toList());
        assertEquals(exposed.outputs(), OutputBuffers.expose(exposed).outputs(), "exposing twice changes nothing");
        assertTrue(ModelBinding.resolve(exposed, SoftmaxRegressionModel.spec(4, List.of())).scoresOutput().equals(Optional.of("output:x")));
    }

    private static List<Float> boxed(float[] values) {
        Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i];
        return List.of(out);
    }
}
