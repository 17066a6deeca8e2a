package dev.netc.frontend;

import static dev.netc.frontend.Check.clean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Well-formed programs: the graphs, parameter names, summaries and train specs they produce. */
class ModelTest {

    private static Node op(Graph g, String output) { return g.node(g.output(output).orElseThrow()); }

    @Test
    void denseStackHasKerasNamesAndParameterCount() {
        CheckedModel m = clean("""
                model mlp {
                  input x: f32[B, 784]
                  h = dense(x, 64, activation=relu)
                  h = dense(h, 64, activation=relu)
                  logits = dense(h, 10, name="classifier")
                  output logits
                }""");
        assertEquals(List.of("dense", "dense_1", "classifier"), m.layers().stream().map(LayerSummary::name).toList());
        assertEquals(List.of("Dense", "Dense", "Dense"), m.layers().stream().map(LayerSummary::kind).toList());
        assertEquals(List.of(50_240L, 4_160L, 650L), m.layers().stream().map(LayerSummary::trainableParams).toList());
        assertEquals(55_050L, m.layers().stream().mapToLong(LayerSummary::params).sum());
        assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "classifier/kernel", "classifier/bias"),
                m.graph().parameters().stream().map(Node::name).toList());
        Node kernel = m.graph().parameterNamed("dense/kernel").orElseThrow();
        assertEquals(Shape.of(784, 64), kernel.type().shape());
        assertEquals(new Init.GlorotUniform(), ((Op.Parameter) kernel.op()).init());
        assertEquals(new Init.Zeros(), ((Op.Parameter) m.graph().parameterNamed("dense/bias").orElseThrow().op()).init());
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(10)), m.layers().getLast().outputShape());
    }

    @Test
    void opLevelGraphStructure() {
        CheckedModel m = clean("""
                model lin {
                  input x: f32[B, 3]
                  param w: f32[3, 2] = normal(mean=1, stddev=0.5)
                  frozen param b: f32[2] = constant(0.25)
                  y = -(matmul(x, w) + b) * 2
                  output y
                }""");
        Graph g = m.graph();
        Node y = op(g, "y");
        assertEquals("y", y.name());
        assertEquals(new Op.Binary(BinaryFn.MUL), y.op());
        Node neg = g.node(y.input(0)), two = g.node(y.input(1));
        assertEquals(new Op.Unary(UnaryFn.NEG), neg.op());
        assertEquals(new Op.Constant(2), two.op());
        assertEquals(Shape.SCALAR, two.type().shape());
        Node add = g.node(neg.input(0));
        assertEquals(new Op.Binary(BinaryFn.ADD), add.op());
        assertEquals(new Op.MatMul(false, false), g.node(add.input(0)).op());
        Op.Parameter b = (Op.Parameter) g.node(add.input(1)).op();
        assertFalse(b.trainable());
        assertEquals(new Init.Constant(0.25), b.init());
        assertEquals(new Init.Normal(1, 0.5), ((Op.Parameter) g.parameterNamed("w").orElseThrow().op()).init());
        // summary rows: one per parameter statement and one per assignment; frozen counts as non-trainable
        assertEquals(List.of("w", "b", "y"), m.layers().stream().map(LayerSummary::name).toList());
        assertEquals(List.of(6L, 0L, 0L), m.layers().stream().map(LayerSummary::trainableParams).toList());
        assertEquals(2L, m.layers().get(1).nonTrainableParams());
        assertEquals("mul", m.layers().get(2).kind());
    }

    @Test
    void builtinsResolveNegativeAxesAndReshapeDims() {
        CheckedModel m = clean("""
                model ops {
                  input x: f32[B, 2, 3, 4]
                  r = reshape(x, [-1, 24])
                  s = reshape(x, [B, 6, -1])
                  p = softmax(s)
                  a = argmax(p)
                  m = mean(s, axis=[-1, 1], keep_dims=true)
                  t = transpose(r)
                  c = conv2d(x, 4, size=[3, 2], padding=same, stride=2)
                  output r, s, p, a, m, t, c
                }""");
        Graph g = m.graph();
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(24)), op(g, "r").type().shape());
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(6), Dim.of(4)), op(g, "s").type().shape());
        assertEquals(new Op.Softmax(2), op(g, "p").op());
        assertEquals(new Op.Argmax(2), op(g, "a").op());
        assertEquals(new Op.Reduce(ReduceFn.MEAN, List.of(1, 2), true), op(g, "m").op());
        assertEquals(new Op.Transpose(List.of(1, 0)), op(g, "t").op());
        Node conv = g.node(g.node(g.output("c").orElseThrow()).input(0));
        assertEquals(new Op.Conv2d(2, Padding.same(3, 4, 3, 2, 2)), conv.op());
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(4), Dim.of(2), Dim.of(2)), op(g, "c").type().shape());
        assertEquals(Shape.of(4, 2, 3, 2), g.parameterNamed("conv2d/kernel").orElseThrow().type().shape());
    }

    @Test
    void convLayerAddsBiasAsReshapedBroadcast() {
        CheckedModel m = clean("model c { input x: f32[B, 3, 8, 8]  y = conv2d(x, filters=5, size=3, activation=relu)  output y }");
        Graph g = m.graph();
        Node relu = op(g, "y");
        assertEquals(new Op.Unary(UnaryFn.RELU), relu.op());
        Node add = g.node(relu.input(0));
        assertEquals(new Op.Binary(BinaryFn.ADD), add.op());
        assertEquals(new Op.Conv2d(1, Padding.NONE), g.node(add.input(0)).op());
        Node reshape = g.node(add.input(1));
        assertEquals(new Op.Reshape(Shape.of(5, 1, 1)), reshape.op());
        assertEquals("conv2d/bias", g.node(reshape.input(0)).name());
        assertEquals(Shape.of(Dim.sym("B"), Dim.of(5), Dim.of(6), Dim.of(6)), relu.type().shape());
        assertEquals(5 * 3 * 9 + 5, m.layers().getFirst().trainableParams());
    }

    @Test
    void blockCalledTwiceCreatesDistinctParameters() {
        CheckedModel m = clean("""
                block layer(x, n, init) {
                  param w: f32[4, n] = init
                  h = matmul(x, w)
                  return dense(h, 4)
                }
                model twice {
                  input x: f32[B, 4]
                  h = layer(x, 4, ones)
                  h = layer(h, n=2, init=normal(0.1))
                  output h
                }""");
        assertEquals(List.of("layer/w", "layer/dense/kernel", "layer/dense/bias", "layer_1/w", "layer_1/dense/kernel", "layer_1/dense/bias"),
                m.graph().parameters().stream().map(Node::name).toList());
        Node w0 = m.graph().parameterNamed("layer/w").orElseThrow(), w1 = m.graph().parameterNamed("layer_1/w").orElseThrow();
        assertNotEquals(w0.id(), w1.id());
        assertEquals(Shape.of(4, 4), w0.type().shape());
        assertEquals(Shape.of(4, 2), w1.type().shape());
        assertEquals(new Init.Ones(), ((Op.Parameter) w0.op()).init());
        assertEquals(List.of("layer/w", "layer/dense", "layer_1/w", "layer_1/dense"), m.layers().stream().map(LayerSummary::name).toList());
        assertEquals(16 + 20 + 8 + 12, m.layers().stream().mapToLong(LayerSummary::params).sum());
    }

    @Test
    void trainBlockBecomesASpecAndALossOutput() {
        CheckedModel m = clean("""
                model s { input x: f32[B, 2]  logits = dense(x, 3)  output logits }
                train s {
                  input y: i32[B]
                  loss = softmax_cross_entropy(logits, y, reduction=sum)
                  optimizer = sgd(lr=0.1, momentum=0.9, nesterov=true)
                  batch = 16; epochs = 4
                  dataset = spirals(points=100, noise=0.2, kind=hard)
                  metrics = [accuracy]
                }""");
        TrainSpec t = m.train().orElseThrow();
        assertEquals(new OptimizerSpec.Sgd(0.1, 0.9, true, 0), t.optimizer());
        assertEquals(16, t.batch());
        assertEquals(4, t.epochs().orElseThrow());
        assertTrue(t.steps().isEmpty());
        assertEquals("spirals", t.dataset().orElseThrow().name());
        assertEquals(Map.of("points", 100.0, "noise", 0.2, "kind", "hard"), t.dataset().orElseThrow().arguments());
        assertEquals("x", t.featuresInput());
        assertEquals("y", t.labelsInput());
        assertEquals(List.of("accuracy"), t.metrics());
        Node loss = op(m.graph(), Graph.LOSS);
        assertEquals(new Op.Reduce(ReduceFn.SUM, List.of(0), false), loss.op());
        assertEquals(Shape.SCALAR, loss.type().shape());
        Node neg = m.graph().node(loss.input(0));
        assertEquals(new Op.Unary(UnaryFn.NEG), neg.op());
        assertInstanceOf(Op.Reduce.class, m.graph().node(neg.input(0)).op());
        assertTrue(m.graph().nodes().stream().anyMatch(n -> n.op().equals(new Op.OneHot(3))));
    }

    @Test
    void adamDefaultsAndOneHotTargets() {
        CheckedModel m = clean("""
                model s { input x: f32[B, 2]  logits = dense(x, 3)  output logits }
                train s { input t: f32[B, 3]  loss = softmax_cross_entropy(logits, t)  optimizer = adam  batch = 8 }""");
        TrainSpec t = m.train().orElseThrow();
        assertEquals(new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7), t.optimizer());
        assertTrue(t.dataset().isEmpty());
        assertTrue(t.epochs().isEmpty() && t.steps().isEmpty());
        assertTrue(m.graph().nodes().stream().noneMatch(n -> n.op() instanceof Op.OneHot));
    }

    @Test
    void commentsSemicolonsAndNumbers() {
        CheckedModel m = clean("""
                // a comment
                model n { # another
                  input x: f32[B, 2];; y = x * 1e-4 - .5 / 2 + -3 ; output y
                }""");
        List<Double> constants = m.graph().nodes().stream().filter(n -> n.op() instanceof Op.Constant)
                .map(n -> ((Op.Constant) n.op()).value()).toList();
        assertEquals(List.of(1e-4, 0.25, -3.0), constants);
    }

    @Test
    void dropoutMultipliesByAMask() {
        CheckedModel m = clean("model d { input x: f32[B, 4]  y = dropout(x, 0.25)  output y }");
        Node y = op(m.graph(), "y");
        assertEquals(new Op.Binary(BinaryFn.MUL), y.op());
        assertEquals(new Op.DropoutMask(0.25), m.graph().node(y.input(1)).op());
        assertEquals(List.of("Dropout"), m.layers().stream().map(LayerSummary::kind).toList());
    }
}
