package dev.netc.frontend;

import static dev.netc.frontend.Check.clean;
import static dev.netc.frontend.Check.hasMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.train.LrPolicy;
import dev.netc.ir.train.OptimizerSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The model-zoo syntax: new layers and their summary rows, penalties, optimizers, schedules, groups. */
class ZooSyntaxTest {

    private static final String CNN = """
            model m {
              input x: f32[B, 1, 8, 8]
              h = conv2d(x, 4, 3, kernel_regularizer=l2(0.001))
              h = batch_norm(h)
              h = avg_pool(h, 2)
              a = slice(h, 1, 0, 2)
              h = concat([h, a], axis=1)
              h = flatten(h)
              logits = dense(h, 3, activation=leaky_relu)
              output logits
            }
            """;

    @Test
    void batchNormHasKerasParametersAndMovingUpdates() {
        CheckedModel m = clean(CNN);
        LayerSummary bn = m.layers().stream().filter(l -> l.kind().equals("BatchNormalization")).findFirst().orElseThrow();
        assertEquals("batch_normalization", bn.name());
        assertEquals(8, bn.trainableParams());
        assertEquals(8, bn.nonTrainableParams());
        Graph g = m.graph();
        assertEquals(List.of("batch_normalization/gamma", "batch_normalization/beta"),
                g.trainableParameters().stream().map(Node::name).filter(n -> n.startsWith("batch")).toList());
        assertTrue(g.output("update/batch_normalization/moving_mean").isPresent());
        assertTrue(g.output("update/batch_normalization/moving_variance").isPresent());
        assertEquals("logits", g.outputs().keySet().iterator().next(), "the model output comes before the updates");
        assertTrue(g.nodes().stream().anyMatch(n -> n.op() instanceof Op.TrainSelect));
        assertEquals(List.of("Conv2D", "BatchNormalization", "AveragePooling2D", "slice", "Concatenate", "Flatten", "Dense"),
                m.layers().stream().map(LayerSummary::kind).toList());
    }

    @Test
    void layerPenaltiesJoinTheLoss() {
        CheckedModel plain = clean(CNN.replace(", kernel_regularizer=l2(0.001)", "") + TRAIN);
        CheckedModel penalised = clean(CNN + TRAIN);
        assertTrue(penalised.graph().size() > plain.graph().size());
        Node loss = penalised.graph().node(penalised.graph().output(Graph.LOSS).orElseThrow());
        assertEquals("add", loss.op().mnemonic(), "loss = user loss + penalty");
    }

    private static final String TRAIN = """
            train m {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = rmsprop(lr=0.01, rho=0.8)
              schedule = step_decay(step_size=100, gamma=0.5)
              param_groups = [group("conv2d/*", lr=0.001)]
              batch = 8
            }
            """;

    @Test
    void optimizersSchedulesAndGroups() {
        OptimizerSpec o = clean(CNN + TRAIN).train().orElseThrow().optimizer();
        assertEquals(new OptimizerSpec.RmsProp(0.01, 0.8, 1e-7, new LrPolicy(Optional.of(new LrPolicy.StepDecay(100, 0.5)),
                List.of(new LrPolicy.ParamGroup("conv2d/*", 0.001)))), o);
        assertEquals(0.1, o.policy().rateFactor("conv2d/kernel", o.learningRate()), 1e-12);
        assertEquals(1.0, o.policy().rateFactor("dense/kernel", o.learningRate()));
        OptimizerSpec ada = clean(CNN + TRAIN.replace("rmsprop(lr=0.01, rho=0.8)", "adadelta()")
                .replace("schedule = step_decay(step_size=100, gamma=0.5)", "").replace("param_groups = [group(\"conv2d/*\", lr=0.001)]", ""))
                .train().orElseThrow().optimizer();
        assertEquals(new OptimizerSpec.Adadelta(1.0, 0.95, 1e-7), ada);
    }

    @Test
    void groupPatternsMustMatchAParameter() {
        hasMessage(CNN + TRAIN.replace("conv2d/*", "conv3d/*"), "group pattern \"conv3d/*\" matches no trainable parameter");
        hasMessage(CNN + TRAIN.replace("rmsprop", "rmsporp"), "unknown optimizer 'rmsporp'");
    }

    @Test
    void activationsAndLossesCompose() {
        CheckedModel m = clean("""
                model m {
                  input x: f32[B, 4]
                  h = dense(x, 4, activation=elu)
                  h = softplus(leaky_relu(h, alpha=0.1))
                  p = dense(h, 2, activation=softmax)
                  output p
                }
                train m {
                  input y: f32[B, 2]
                  loss = mse(p, y) + categorical_cross_entropy(p, y, reduction=sum) + nll(log(p), y) + sigmoid_cross_entropy(p, y)
                  optimizer = sgd(lr=0.1)
                  batch = 4
                }
                """);
        assertTrue(m.graph().nodes().stream().anyMatch(n -> n.op() instanceof Op.Unary u && u.fn() == UnaryFn.SOFTPLUS));
        assertEquals(0, m.graph().node(m.graph().output(Graph.LOSS).orElseThrow()).type().rank());
        hasMessage("model m {\n input x: f32[B, 4]\n y = mse(x, x)\n z = leaky_relu(x, alpha=-1)\n output z\n}",
                "leaky_relu: alpha must not be negative, got -1");
        hasMessage("model m {\n input x: f32[B, 4]\n input t: f32[B, 3]\n y = mse(x, t)\n output y\n}",
                "mse: targets f32[B, 3] do not match predictions f32[B, 4]");
    }
}
