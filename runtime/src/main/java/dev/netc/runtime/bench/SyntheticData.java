package dev.netc.runtime.bench;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random inputs for a model, so it can be trained and timed without a dataset: f32 inputs uniform
 * in [0, 1) (like normalised pixels), i32 inputs (class labels) uniform over the classes of the
 * {@code one_hot} that reads them, or 0/1 when none does.
 */
public final class SyntheticData {
    private SyntheticData() {}

    /** Fills every input buffer of {@code model} (bound to its batch) from {@code seed}. */
    public static void fill(GeneratedModel model, Graph graph, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Node n : graph.inputs()) {
            String name = ((Op.Input) n.op()).name();
            if (n.type().dtype() == DType.I32) {
                int[] labels = model.intBuffer(name);
                int classes = classes(graph, n.id());
                long count = n.type().shape().elementCount(Map.of(symbol(n), model.batch()));
                for (int i = 0; i < count; i++) labels[i] = random.nextInt(classes);
            } else {
                float[] values = model.floatBuffer(name);
                long count = n.type().shape().elementCount(Map.of(symbol(n), model.batch()));
                for (int i = 0; i < count; i++) values[i] = (float) random.nextDouble();
            }
        }
    }

    /** The depth of a one_hot reading the input, else 2. */
    static int classes(Graph graph, int input) {
        for (int user : graph.users().get(input))
            if (graph.node(user).op() instanceof Op.OneHot oh) return oh.depth();
        return 2;
    }

    /** The batch symbol of an input's shape ("B"), or a name no shape uses when it has none. */
    private static String symbol(Node n) {
        return n.type().shape().dims().stream().filter(d -> d instanceof dev.netc.ir.Dim.Sym)
                .map(d -> ((dev.netc.ir.Dim.Sym) d).name()).findFirst().orElse("_");
    }
}
