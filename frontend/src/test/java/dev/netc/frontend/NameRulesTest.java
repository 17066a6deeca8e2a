package dev.netc.frontend;

import static dev.netc.frontend.Check.check;
import static dev.netc.frontend.Check.clean;
import static dev.netc.frontend.Check.hasMessage;
import static dev.netc.frontend.Check.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: the names a compiled model exposes (inputs, parameters, the loss, generated buffers) form one
 * namespace ({@link ReservedNames}). Each case used to pass {@code check} and then train on the wrong
 * buffer or crash.
 */
class NameRulesTest {
    private static final String TRAIN = """
            train m {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = sgd(lr=0.1)
              batch = 4
            }
            """;

    private static String model(String body) {
        return "model m {\n  input x: f32[B, 2]\n" + body + "\n  output logits\n}\n" + TRAIN;
    }

    /** A parameter named loss made the printed train and test loss that parameter's value. */
    @Test
    void aParameterOrInputNamedLossIsReserved() {
        Diagnostic d = single(model("  param loss: f32[] = constant(7)\n  logits = dense(x, 2) * loss"));
        assertEquals("parameter name 'loss' is reserved: the train block's loss is the model's buffer 'loss'", d.message());
        assertEquals(3, d.span().line());
        hasMessage(model("  logits = dense(x, 2)").replace("input y: i32[B]", "input loss: i32[B]").replace("logits, y)", "logits, loss)"),
                "input name 'loss' is reserved");
        // without a train block too: one rule, whatever else the file holds
        hasMessage("model m { input x: f32[B, 2]\n param loss: f32[2] \n output x }", "parameter name 'loss' is reserved");
    }

    /** input x and param x: check said ok, train threw NullPointerException. */
    @Test
    void inputsAndParametersShareOneNamespace() {
        Diagnostic d = single(model("  param x: f32[2, 2] = normal(0.1)\n  logits = dense(x, 2)"));
        assertEquals("parameter 'x' has the same name as input 'x'", d.message());
        assertEquals(List.of("first defined at 2:9",
                "inputs and parameters share one namespace (they are the compiled model's named buffers); rename one of them"), d.notes());
        // the other way round: the train block's labels input named like a model parameter
        hasMessage(model("  param y: f32[2] = zeros\n  logits = dense(x, 2) + y"), "input 'y' has the same name as parameter 'y'");
        hasMessage("model m { input x: f32[B, 2]\n param w: f32[2] \n param w: f32[2] \n output x }", "parameter 'w' is already defined");
    }

    @Test
    void layerNamesAreIdentifiersAndMayLookGenerated() {
        // names like the generated ones are fine: roles are structural and optimizer state has a namespace of its own
        for (String prefix : ReservedNames.GENERATED_PREFIXES) {
            clean("block " + prefix + "(x) { param w: f32[2] \n return x + w }\nmodel m { input x: f32[B, 2]\n y = " + prefix + "(x)\n output y }");
            clean("model m { input x: f32[B, 2]\n y = dense(x, 2, name=\"" + prefix + "\")\n output y }");
        }
        hasMessage("model m { input x: f32[B, 2]\n y = dense(x, 2, name=\"a/b\")\n output y }",
                "dense: layer name 'a/b' must be an identifier: ASCII letters, digits and '_', not starting with a digit");
        // a gradient buffer is grad/<parameter>; "grad" alone, inside a name, or as a layer name is fine
        // (the compiler names a colliding gradient output grad/P#2)
        clean("model m { input x: f32[B, 2]\n param grad: f32[2]\n y = dense(x, 2, name=\"my_grad\") + grad\n output y }");
        clean("model m { input x: f32[B, 2]\n y = dense(x, 2, name=\"grad\")\n z = batch_norm(y, name=\"update\")\n output z }");
    }

    /** x = dense(x, 2); output x (which the docs allow) and param logits rebound as the output stay legal. */
    @Test
    void anOutputMayRebindTheNameOfAnInputOrParameter() {
        CheckedModel m = clean("""
                model m {
                  input x: f32[B, 2]
                  x = dense(x, 2)
                  output x
                }
                """ + TRAIN.replace("logits, y", "x, y"));
        int output = m.graph().output("x").orElseThrow();
        assertTrue(output != m.graph().inputNamed("x").orElseThrow().id(), "the output is the dense layer, not the input");
        CheckedModel p = clean(model("  param logits: f32[2, 2] = normal(0.1)\n  logits = matmul(x, logits)"));
        assertTrue(p.graph().output("logits").orElseThrow() != p.graph().parameterNamed("logits").orElseThrow().id());
        assertTrue(p.graph().output(Graph.LOSS).isPresent());
    }

    @Test
    void everyReservedPrefixIsWhatTheGraphCallsItsGeneratedOutputs() {
        assertTrue(ReservedNames.GENERATED_PREFIXES.contains(Graph.GRAD_PREFIX.replace("/", "")));
        assertTrue(ReservedNames.GENERATED_PREFIXES.contains(Graph.UPDATE_PREFIX.replace("/", "")));
        assertEquals(Graph.LOSS, ReservedNames.LOSS);
        assertTrue(check(model("  logits = dense(x, 2)")).models().getFirst().graph().output(Graph.LOSS).isPresent());
    }
}
