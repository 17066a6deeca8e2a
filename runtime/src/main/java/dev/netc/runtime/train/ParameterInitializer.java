package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.init.Initializers;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fills every parameter of a model (trainable or frozen) from its initialiser. Each parameter draws from
 * its own stream derived from (seed, parameter name), so its values do not depend on which other
 * parameters the model has or in which order they come.
 */
public final class ParameterInitializer {
    private ParameterInitializer() {}

    public static void initialize(GeneratedModel model, Graph graph, long seed) {
        for (Node node : graph.parameters()) {
            Op.Parameter p = (Op.Parameter) node.op();
            if (!node.type().shape().isFullyKnown())
                throw new IllegalStateException("parameter " + p.name() + " has a symbolic shape " + node.type().shape());
            int[] shape = node.type().shape().bind(Map.of());
            double[] values = Initializers.sample(p.init(), shape, new SplittableRandom(Seeds.derive(seed, p.name())));
            float[] buffer = model.floatBuffer(p.name());
            if (buffer.length != values.length)
                throw new IllegalStateException("parameter " + p.name() + ": buffer holds " + buffer.length
                        + " floats, initialiser gave " + values.length);
            for (int i = 0; i < values.length; i++) buffer[i] = (float) values[i];
        }
    }
}
