package dev.netc.autodiff;

import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Compares the symbolic gradients of a graph with central finite differences of its loss, using the
 * double-precision reference interpreter. Dropout masks are drawn in training mode from a fixed seed,
 * so every evaluation sees the same masks.
 */
public final class GradientChecker {
    private GradientChecker() {}

    /** The default finite-difference step (suits f64 losses of moderate size). */
    public static final double DEFAULT_EPS = 1e-6;

    private static final long DROPOUT_SEED = 0x5EEDL;

    /**
     * The outcome of a check.
     *
     * @param maxError the largest {@code |symbolic - numeric| / max(1, |symbolic|, |numeric|)} over all entries
     * @param worst    where it occurred, e.g. {@code "dense/kernel[3]: symbolic 0.12, numeric 0.13"}
     * @param entries  how many parameter entries were compared
     */
    public record Result(double maxError, String worst, int entries) {}

    /**
     * Checks every entry of every trainable parameter's gradient.
     *
     * @param g     a graph with a scalar {@code loss}; differentiated here unless it already records gradients
     * @param feeds values for every input and parameter, by name
     * @param dims  sizes of the shape symbols
     * @param eps   the finite-difference step
     */
    public static Result check(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims, double eps) {
        Graph withGrads = g.gradients().isEmpty() ? Autodiff.differentiate(g) : g;
        Map<String, DTensor> symbolic = Interpreter.runOutputs(withGrads, feeds, dims, true, DROPOUT_SEED);
        double maxError = 0;
        String worst = "no entries";
        int entries = 0;
        Graph forward = forwardPart(g);
        for (Node p : g.trainableParameters()) {
            String name = ((Op.Parameter) p.op()).name();
            DTensor grad = withGrads.gradientOutput(p.id()).map(symbolic::get).orElse(null);
            if (grad == null) throw new IllegalArgumentException("graph has no gradient output for parameter '" + name + "'");
            DTensor value = feeds.get(name);
            if (value == null) throw new IllegalArgumentException("no value fed for parameter '" + name + "'");
            for (int i = 0; i < value.size(); i++) {
                double numeric = centralDifference(forward, feeds, dims, name, value, i, eps);
                double analytic = grad.data()[i];
                double err = Math.abs(analytic - numeric) / Math.max(1, Math.max(Math.abs(analytic), Math.abs(numeric)));
                if (!(err <= maxError)) { // also catches NaN
                    maxError = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    worst = name + "[" + i + "]: symbolic " + analytic + ", numeric " + numeric;
                }
                entries++;
            }
        }
        return new Result(maxError, worst, entries);
    }

    /** {@link #check} with {@link #DEFAULT_EPS}, returning only the largest error. */
    public static double maxError(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims) {
        return check(g, feeds, dims, DEFAULT_EPS).maxError();
    }

    private static double centralDifference(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims,
                                            String name, DTensor value, int index, double eps) {
        double plus = lossWith(g, feeds, dims, name, value, index, value.data()[index] + eps);
        double minus = lossWith(g, feeds, dims, name, value, index, value.data()[index] - eps);
        return (plus - minus) / (2 * eps);
    }

    private static double lossWith(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims,
                                   String name, DTensor value, int index, double entry) {
        double[] data = Arrays.copyOf(value.data(), value.size());
        data[index] = entry;
        Map<String, DTensor> perturbed = new HashMap<>(feeds);
        perturbed.put(name, new DTensor(value.shape(), data));
        return Interpreter.runOutputs(g, perturbed, dims, true, DROPOUT_SEED).get(Graph.LOSS).data()[0];
    }

    /** Only the nodes up to the loss: finite differences need not evaluate the backward pass. */
    private static Graph forwardPart(Graph g) {
        int loss = g.output(Graph.LOSS).orElseThrow();
        return new Graph(g.nodes().subList(0, loss + 1), Map.of(Graph.LOSS, loss));
    }
}
