package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutodiffStructureTest {

    /** loss = sum(relu(x) * frozen * trained); "unused" is trainable but not on the loss's path. */
    private static Graph model() {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", TensorType.f32(2, 3));
        int frozen = b.parameter("frozen", TensorType.f32(3), new Init.Ones(), false);
        int trained = b.parameter("trained", TensorType.f32(2, 3), new Init.Ones(), true);
        b.parameter("unused", TensorType.f32(4, 2), new Init.Ones(), true);
        int h = b.addChecked(new Op.Binary(BinaryFn.MUL), b.addChecked(new Op.Unary(UnaryFn.RELU), x), frozen);
        int y = b.addChecked(new Op.Binary(BinaryFn.MUL), h, trained);
        b.output("y", y);
        b.output(Graph.LOSS, b.addChecked(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), false), y));
        return b.build();
    }

    @Test
    void gradientOutputsOnlyForTrainableParameters() {
        Graph g = model();
        Graph d = Autodiff.differentiate(g);
        assertEquals(List.of("y", "loss", "grad/trained", "grad/unused"), List.copyOf(d.outputs().keySet()));
        assertEquals(g.nodes(), d.nodes().subList(0, g.size()), "the forward graph is kept as is");
        Node unused = d.node(d.output("grad/unused").orElseThrow());
        assertEquals(new Op.Constant(0.0), unused.op());
        assertEquals(TensorType.f32(4, 2), unused.type());
    }

    @Test
    void gradientValuesAndNoGradientForInputsOrFrozenParameters() {
        Graph d = Autodiff.differentiate(model());
        DTensor x = DTensor.of(new int[] {2, 3}, 1, -2, 3, -4, 5, -6);
        DTensor frozen = DTensor.of(new int[] {3}, 10, 20, 30);
        Map<String, DTensor> feeds = Map.of("x", x, "frozen", frozen, "trained", DTensor.filled(1, 2, 3), "unused", DTensor.zeros(4, 2));
        Map<String, DTensor> out = Interpreter.runOutputs(d, feeds, Map.of(), false, 0);
        double[] expected = new double[6];
        for (int i = 0; i < 6; i++) expected[i] = Math.max(0, x.data()[i]) * frozen.data()[i % 3];
        assertArrayEquals(expected, out.get("grad/trained").data(), 1e-12);
        assertArrayEquals(new double[8], out.get("grad/unused").data());
        // relu(x) and x feed only the frozen side: nothing is computed for them.
        for (Node n : d.nodes().subList(model().size(), d.size()))
            assertFalse(n.op() instanceof Op.Unary u && u.fn() == UnaryFn.STEP, "relu's derivative was built: " + n);
    }

    @Test
    void backwardNodesAreNamedAfterTheirForwardNodes() {
        Graph g = model();
        Graph d = Autodiff.differentiate(g);
        for (Node n : d.nodes().subList(g.size(), d.size()))
            assertTrue(n.name() != null && n.name().startsWith("d/"), "unnamed backward node " + n);
    }

    @Test
    void rejectsAGraphWithoutAScalarFloatLoss() {
        GraphBuilder b = new GraphBuilder();
        int p = b.parameter("p", TensorType.f32(2), new Init.Zeros(), true);
        assertThrows(IllegalArgumentException.class, () -> Autodiff.differentiate(b.build()));
        b.output(Graph.LOSS, p);
        var e = assertThrows(IllegalArgumentException.class, () -> Autodiff.differentiate(b.build()));
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
    }

    @Test
    void aLossOfOneElementWithKeptDimsIsAccepted() {
        GradCheck c = new GradCheck(3);
        int p = c.param("p", new int[] {2, 2}, -1, 1);
        c.b.output(Graph.LOSS, c.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1), true), c.add(new Op.Unary(UnaryFn.SQUARE), p)));
        GradientChecker.Result r = GradientChecker.check(c.b.build(), c.feeds, c.dims, GradientChecker.DEFAULT_EPS);
        assertTrue(r.maxError() < GradCheck.TOLERANCE, r.worst());
    }
}
