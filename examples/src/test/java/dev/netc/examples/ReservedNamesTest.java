package dev.netc.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.autodiff.Autodiff;
import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.ReservedNames;
import dev.netc.frontend.SourceFile;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.runtime.backend.JavaBackend;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The frontend's reserved names ({@link ReservedNames}) must cover every buffer name the backend
 * generates beside the user's: gradients, moving-statistic updates and each optimizer's state. A new
 * optimizer whose state prefix is not reserved fails here.
 */
class ReservedNamesTest {
    private static final String MODEL = """
            model m {
              input x: f32[B, 1, 4, 4]
              h = conv2d(x, filters=2, size=3)
              h = batch_norm(h)
              logits = dense(flatten(h), 3)
              output logits
            }
            train m {
              input y: i32[B]
              loss = softmax_cross_entropy(logits, y)
              optimizer = OPTIMIZER
              batch = 4
            }
            """;

    @Test
    void everyGeneratedBufferNameStartsWithAReservedPrefix() {
        for (String optimizer : List.of("sgd(lr=0.1)", "sgd(lr=0.1, momentum=0.9)", "adam(lr=0.01)", "rmsprop()", "adadelta()")) {
            CheckResult r = Frontend.check(new SourceFile("m.net", MODEL.replace("OPTIMIZER", optimizer)));
            assertFalse(r.hasErrors(), r::render);
            CheckedModel m = r.models().getFirst();
            Graph g = Autodiff.differentiate(m.graph());
            Set<String> user = new HashSet<>();
            for (Node n : g.inputs()) user.add(((dev.netc.ir.Op.Input) n.op()).name());
            for (Node n : g.parameters()) user.add(((dev.netc.ir.Op.Parameter) n.op()).name());
            Set<String> generated = new HashSet<>(g.outputs().keySet());
            generated.removeAll(List.of("logits", ReservedNames.LOSS));
            GeneratedModel net = JavaBackend.compile(Pipeline.compile(g, m.train().orElseThrow().optimizer(), CompileOptions.training()), "m");
            generated.addAll(net.optimizerState().keySet());
            for (String name : generated) {
                String prefix = name.substring(0, Math.max(0, name.indexOf('/')));
                assertTrue(ReservedNames.GENERATED_PREFIXES.contains(prefix), optimizer + ": '" + name + "' is generated but '"
                        + prefix + "' is not reserved in " + ReservedNames.GENERATED_PREFIXES);
                assertFalse(user.contains(name), name);
            }
            assertTrue(generated.stream().anyMatch(n -> n.startsWith(Graph.GRAD_PREFIX)));
        }
    }
}
