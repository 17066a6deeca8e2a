package dev.netc.frontend;

import static dev.netc.frontend.Check.clean;
import static dev.netc.frontend.Check.hasMessage;
import static dev.netc.frontend.Check.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Init;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** simple_rnn, lstm, gru and bidirectional: Keras's parameter counts, shapes, names, initialisers and the shape errors. */
class RecurrentLayersTest {

    private static CheckedModel rowsModel(String layer) {
        return clean("""
                model m {
                  input x: f32[B, 28, 28]
                  h = LAYER
                  logits = dense(h, 10)
                  output logits
                }
                """.replace("LAYER", layer));
    }

    private static long total(CheckedModel m) { return m.layers().stream().mapToLong(LayerSummary::params).sum(); }

    @Test
    void lstmOverMnistRowsHasKerasParameterCount() {
        CheckedModel m = rowsModel("lstm(x, 128)");
        LayerSummary lstm = m.layers().getFirst();
        assertEquals("lstm", lstm.name());
        assertEquals("LSTM", lstm.kind());
        assertEquals(80_384, lstm.trainableParams());
        assertEquals("[B, 128]", lstm.outputShape().toString());
        assertEquals(81_674, total(m));
        assertEquals(List.of("lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "dense/kernel", "dense/bias"),
                m.graph().trainableParameters().stream().map(Node::name).toList());
    }

    @Test
    void gruAndSimpleRnnHaveKerasParameterCounts() {
        assertEquals(61_962, total(rowsModel("gru(x, 128)")));
        assertEquals(60_672, rowsModel("gru(x, 128)").layers().getFirst().trainableParams());
        // SimpleRNN(32) over 28 features: 32 * (28 + 32 + 1) = 1,952
        assertEquals(1_952, rowsModel("simple_rnn(x, 32)").layers().getFirst().trainableParams());
    }

    @Test
    void bidirectionalLstmConcatHasKerasParameterCount() {
        CheckedModel m = rowsModel("bidirectional(x, lstm, 64, merge=concat)");
        LayerSummary bi = m.layers().getFirst();
        assertEquals("Bidirectional", bi.kind());
        assertEquals(47_616, bi.trainableParams());
        assertEquals("[B, 128]", bi.outputShape().toString());
        assertEquals(48_906, total(m));
        assertTrue(m.graph().trainableParameters().stream().map(Node::name).toList()
                .containsAll(List.of("bidirectional/forward_lstm/kernel", "bidirectional/backward_lstm/recurrent_kernel")));
        assertEquals("[B, 64]", rowsModel("bidirectional(x, gru, 64, merge=sum)").layers().getFirst().outputShape().toString());
    }

    @Test
    void sequencesStackAndLayersStack() {
        CheckedModel m = clean("""
                model m {
                  input x: f32[B, 5, 3]
                  h = lstm(x, 4, return_sequences=true)
                  h = gru(h, 6, return_sequences=true, go_backwards=true)
                  h = bidirectional(h, simple_rnn, 2, return_sequences=true)
                  h = lstm(h, 7)
                  output h
                }
                """);
        assertEquals(List.of("[B, 5, 4]", "[B, 5, 6]", "[B, 5, 4]", "[B, 7]"),
                m.layers().stream().map(l -> l.outputShape().toString()).toList());
        assertEquals(4L * 4 * (3 + 4 + 1), m.layers().get(0).params());
        assertEquals(3L * 6 * (4 + 6 + 2), m.layers().get(1).params());
    }

    @Test
    void kerasDefaultInitialisers() {
        CheckedModel m = rowsModel("lstm(x, 3)");
        var byName = m.graph().trainableParameters().stream()
                .collect(java.util.stream.Collectors.toMap(Node::name, n -> ((Op.Parameter) n.op()).init()));
        assertEquals(new Init.GlorotUniform(), byName.get("lstm/kernel"));
        assertEquals(new Init.Orthogonal(), byName.get("lstm/recurrent_kernel"));
        assertEquals(new Init.Values(new double[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}), byName.get("lstm/bias"), "unit forget bias");
        CheckedModel g = rowsModel("gru(x, 3, bias_init=constant(0.5))");
        assertEquals(new Init.Constant(0.5), g.graph().trainableParameters().get(2).op() instanceof Op.Parameter p ? p.init() : null);
        assertEquals("[2, 9]", g.graph().trainableParameters().get(2).type().shape().toString());
    }

    @Test
    void theInputProjectionIsOneConvolutionAndEachStepOneMatmul() {
        CheckedModel m = rowsModel("lstm(x, 16)");
        long convs = m.graph().nodes().stream().filter(n -> n.op() instanceof Op.Conv2d).count();
        long matmuls = m.graph().nodes().stream().filter(n -> n.op() instanceof Op.MatMul).count();
        assertEquals(1, convs, "all 28 steps' input projections in one GEMM");
        assertEquals(27 + 1, matmuls, "one recurrent GEMM per step after the first, plus the dense layer");
    }

    @Test
    void shapeErrorsNameTimeAndFeatures() {
        Diagnostic d = single("""
                model m {
                  input x: f32[B, 784]
                  h = lstm(x, 8)
                  output h
                }
                """);
        assertTrue(d.message().contains("lstm: input must be a sequence [batch, time, features], got [B, 784]"), d.message());
        assertTrue(d.notes().getFirst().contains("no time axis"), d.notes().toString());
        hasMessage("""
                model m {
                  input x: i32[B, 5, 3]
                  h = gru(x, 8)
                  output h
                }
                """, "gru: input must be a float sequence [batch, time, features], got i32[B, 5, 3]");
        hasMessage("""
                model m {
                  input x: f32[B, 5, 3]
                  h = bidirectional(x, lstm, 8, merge=max)
                  output h
                }
                """, "merge");
        String rendered = Check.errors("""
                model m {
                  input x: f32[B, 5, 3, 2]
                  h = simple_rnn(x, 8)
                  output h
                }
                """);
        assertTrue(rendered.startsWith("t.net:3:18: error: simple_rnn: input must be a sequence [batch, time, features], got [B, 5, 3, 2]"),
                rendered);
        assertTrue(rendered.contains("^"), rendered);
    }
}
