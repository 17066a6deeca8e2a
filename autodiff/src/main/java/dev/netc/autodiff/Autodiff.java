package dev.netc.autodiff;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode symbolic differentiation: the gradient of the loss is more IR. The result is the
 * forward graph with the backward nodes appended, one output {@code grad/<param>} per trainable
 * parameter, and each of those recorded as that parameter's gradient ({@link Graph#gradients()}).
 * Each op's rule lives in {@link Gradients}.
 */
public final class Autodiff {
    private Autodiff() {}

    /**
     * Appends the backward pass of the graph's {@link Graph#LOSS} output.
     *
     * @return g's nodes and outputs, plus the backward nodes and an output {@code grad/<name>} for every
     *     trainable parameter (a zeros constant for a parameter the loss does not depend on), recorded in
     *     {@link Graph#gradients()}; should {@code grad/<name>} already name an input, parameter or output,
     *     the output is {@code grad/<name>#2} (or #3, ...) instead, so a name never hides another buffer
     * @throws IllegalArgumentException when g has no loss output or the loss is not a float scalar
     * @throws UnsupportedOperationException for a second-order gradient that has no rule
     */
    public static Graph differentiate(Graph g) {
        int loss = g.output(Graph.LOSS).orElseThrow(() -> new IllegalArgumentException("graph has no '" + Graph.LOSS + "' output"));
        TensorType lossType = g.node(loss).type();
        if (!lossType.dtype().isFloat() || !lossType.shape().isFullyKnown() || lossType.shape().elementCount(Map.of()) != 1)
            throw new IllegalArgumentException("the loss must be a float scalar, got " + lossType);

        boolean[] needs = needsGradient(g, g.ancestors(List.of(loss)));
        GraphBuilder builder = new GraphBuilder(g);
        GradientBuilder e = new GradientBuilder(builder);
        List<List<Integer>> contributions = new ArrayList<>();
        for (int i = 0; i < g.size(); i++) contributions.add(new ArrayList<>());
        List<List<SliceGradients.Piece>> slices = new ArrayList<>(); // joined in one concat per operand, see SliceGradients
        for (int i = 0; i < g.size(); i++) slices.add(new ArrayList<>());
        int[] total = new int[g.size()];
        Arrays.fill(total, Gradients.NONE);

        e.label(backwardName(g.node(loss)));
        contributions.get(loss).add(e.constant(1.0, lossType));
        for (int id = loss; id >= 0; id--) {
            if (!needs[id] || contributions.get(id).isEmpty() && slices.get(id).isEmpty()) continue;
            Node n = g.node(id);
            e.label(backwardName(n));
            contributions.get(id).addAll(SliceGradients.terms(id, slices.get(id), e));
            total[id] = sum(contributions.get(id), e);
            if (n.isLeaf()) continue;
            if (n.op() instanceof Op.Slice s) {
                if (needs[n.input(0)]) slices.get(n.input(0)).add(new SliceGradients.Piece(s, total[id]));
                continue;
            }
            boolean[] wants = new boolean[n.inputs().size()];
            for (int k = 0; k < wants.length; k++) wants[k] = needs[n.input(k)];
            int[] grads = Gradients.of(n, total[id], wants, e);
            for (int k = 0; k < grads.length; k++) {
                if (grads[k] == Gradients.NONE) continue;
                TensorType want = g.node(n.input(k)).type(), got = builder.type(grads[k]);
                if (!want.equals(got))
                    throw new IllegalStateException("gradient rule of " + n.op().mnemonic() + " gave operand " + k
                            + " a gradient of type " + got + ", expected " + want);
                contributions.get(n.input(k)).add(grads[k]);
            }
        }

        for (Node p : g.trainableParameters()) {
            Op.Parameter param = (Op.Parameter) p.op();
            int grad = total[p.id()];
            if (grad == Gradients.NONE) {
                e.label(backwardName(p));
                grad = e.constant(0.0, p.type());
            }
            builder.gradient(p.id(), builder.freshOutputName(Graph.GRAD_PREFIX + param.name()), grad);
        }
        return builder.build();
    }

    /** A node needs a gradient when it is a trainable parameter, or a float value on a path from one to the loss. */
    private static boolean[] needsGradient(Graph g, boolean[] live) {
        boolean[] needs = new boolean[g.size()];
        for (Node n : g.nodes()) {
            if (!live[n.id()] || !n.type().dtype().isFloat()) continue;
            if (n.op() instanceof Op.Parameter p) needs[n.id()] = p.trainable();
            else needs[n.id()] = n.inputs().stream().anyMatch(i -> needs[i]);
        }
        return needs;
    }

    private static int sum(List<Integer> terms, GradientBuilder e) {
        int acc = terms.getFirst();
        for (int i = 1; i < terms.size(); i++) acc = e.binary(BinaryFn.ADD, acc, terms.get(i));
        return acc;
    }

    private static String backwardName(Node n) { return "d/" + (n.name() != null ? n.name() : "%" + n.id()); }
}
