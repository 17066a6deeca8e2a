package dev.netc.ir.plan;

import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuses max pooling into convolutions, after {@link FuseOps} and {@link SiblingReductions}, deciding by
 * op kind and shape:
 *
 * <ul>
 *   <li><b>Pooling epilogue.</b> A max_pool (and the max_pool_argmax of the same windows, when the
 *       gradient needs one) joins the kernel of the convolution producing its operand, when the windows
 *       tile ({@link PoolingRewrite#whyNotIndexed}), the pool is the activation's only reader, and the
 *       convolution's epilogue is a per-filter bias then a ReLU, sigmoid or tanh (what both kernel
 *       libraries apply in their store). The kernel writes the pooled value and the argmax, never the
 *       full-size activation.</li>
 *   <li><b>Pooling-gradient prologue.</b> A max_pool_grad_indexed whose every reader is a convolution
 *       gradient reading it as dy (backward-data, backward-filter, and the bias-gradient sibling of the
 *       latter) belongs to no kernel: each reader recomputes it where it loads dy, from the pooled
 *       gradient and the argmax, so the full-size gradient is never stored.</li>
 * </ul>
 * A max pool that stays a kernel of its own is listed among the rejected candidates with its reason.
 */
final class PoolFusion {
    private PoolFusion() {}

    /** The kernels with pooling fused where the rules allow, renamed in their new order. */
    static List<Kernel> apply(Graph g, List<Kernel> kernels, List<List<Integer>> users, List<FusionDecision> rejected) {
        List<Kernel> out = new ArrayList<>(kernels);
        for (Kernel pool : kernels) if (isLone(g, pool, Op.MaxPool.class)) poolEpilogue(g, out, pool, users, rejected);
        for (Kernel grad : kernels) if (isLone(g, grad, Op.MaxPoolGradIndexed.class)) gradientPrologue(g, out, grad, users, rejected);
        List<Kernel> named = new ArrayList<>(out.size());
        for (Kernel k : out) {
            List<Integer> shown = new ArrayList<>(k.prologue());
            shown.addAll(k.nodes());
            shown.addAll(k.pooled());
            shown.addAll(k.siblings());
            named.add(out.size() == kernels.size() ? k : k.named(Phases.kernelName(g, named.size(), out.size(), shown)));
        }
        return named;
    }

    private static boolean isLone(Graph g, Kernel k, Class<? extends Op> kind) {
        return k.nodes().size() == 1 && kind.isInstance(g.node(k.head()).op()) && k.siblings().isEmpty()
                && k.prologue().isEmpty() && k.recomputed().isEmpty() && k.pooled().isEmpty();
    }

    private static void poolEpilogue(Graph g, List<Kernel> kernels, Kernel poolKernel, List<List<Integer>> users,
                                     List<FusionDecision> rejected) {
        Node pool = g.node(poolKernel.head());
        Op.MaxPool op = (Op.MaxPool) pool.op();
        Node x = g.node(pool.input(0));
        String why = PoolingRewrite.whyNotIndexed(op.size(), op.stride(), op.padding(), x.type().shape());
        Kernel conv = kernels.stream().filter(k -> k.pooled().isEmpty() && k.root() == x.id()).findFirst().orElse(null);
        Kernel argmaxKernel = null;
        Op.MaxPoolArgmax argmaxOp = new Op.MaxPoolArgmax(op.size(), op.stride(), op.padding());
        for (int u : users.get(x.id())) {
            if (u == pool.id()) continue;
            Node reader = g.node(u);
            Kernel k = kernels.stream().filter(c -> c.allNodes().contains(u)).findFirst().orElse(null);
            if (reader.op().equals(argmaxOp) && k != null && isLone(g, k, Op.MaxPoolArgmax.class)) argmaxKernel = k;
            else if (why == null) why = x.label() + " is also read by " + reader.label() + " (" + reader.op().mnemonic() + "), so it is stored anyway";
        }
        if (why == null && (conv == null || convolutionProducing(g, x) == null || conv.head() != convolutionProducing(g, x)))
            why = "its operand " + x.label() + " is not a convolution with at most a bias and a ReLU, sigmoid or tanh";
        if (why == null && (!conv.siblings().isEmpty() || !conv.prologue().isEmpty() || !conv.recomputed().isEmpty()))
            why = "the kernel of " + x.label() + " has other outputs";
        if (why == null)
            for (int id : conv.nodes()) {
                if (g.outputs().containsValue(id)) why = g.node(id).label() + " is an output of the model, so it is stored anyway";
                else if (id != x.id() && users.get(id).stream().anyMatch(u -> !conv.nodes().contains(u)))
                    why = g.node(id).label() + " inside the convolution's kernel is read elsewhere";
            }
        if (why != null) {
            rejected.add(new FusionDecision(pool.id(), "max_pool stays a kernel of its own: " + why));
            return;
        }
        List<Integer> pooled = argmaxKernel == null ? List.of(pool.id()) : List.of(pool.id(), argmaxKernel.head());
        kernels.set(kernels.indexOf(conv), new Kernel(conv.name(), conv.nodes(), conv.phase(), conv.siblings(), conv.prologue(),
                conv.recomputed(), pooled));
        kernels.remove(poolKernel);
        if (argmaxKernel != null) kernels.remove(argmaxKernel);
    }

    private static void gradientPrologue(Graph g, List<Kernel> kernels, Kernel gradKernel, List<List<Integer>> users,
                                         List<FusionDecision> rejected) {
        int grad = gradKernel.head();
        List<Kernel> readers = new ArrayList<>();
        for (int u : users.get(grad)) {
            Kernel k = kernels.stream().filter(c -> c.allNodes().contains(u)).findFirst().orElse(null);
            String why = k == null ? "is not in a kernel" : expandsWhereItLoads(g, k, u, grad);
            if (why != null) {
                rejected.add(new FusionDecision(grad, "max_pool_grad_indexed stays a kernel of its own: its reader "
                        + g.node(u).label() + " (" + g.node(u).op().mnemonic() + ") " + why));
                return;
            }
            if (!readers.contains(k)) readers.add(k);
        }
        // the bias gradient sums dy in the pass that transposes it for the filter gradient: it moves
        // there from the backward-data kernel (which runs later, so its readers still run after it)
        Kernel filter = readers.stream().filter(k -> g.node(k.head()).op() instanceof Op.Conv2dBackwardFilter).findFirst().orElse(null);
        List<Integer> moved = new ArrayList<>();
        for (Kernel k : readers) {
            if (k == filter) continue;
            for (int s : k.siblings()) {
                if (filter == null) {
                    rejected.add(new FusionDecision(grad, "max_pool_grad_indexed stays a kernel of its own: the bias gradient "
                            + g.node(s).label() + " sums it, and no backward-filter pass reads it to sum it in"));
                    return;
                }
                moved.add(s);
            }
        }
        for (Kernel k : readers) {
            List<Integer> recomputed = new ArrayList<>(k.recomputed());
            recomputed.add(grad);
            List<Integer> siblings = new ArrayList<>(k.siblings());
            if (k == filter) siblings.addAll(moved);
            else siblings.removeAll(moved);
            kernels.set(kernels.indexOf(k), new Kernel(k.name(), k.nodes(), k.phase(), siblings, k.prologue(), recomputed, k.pooled()));
        }
        kernels.remove(gradKernel);
    }

    /** Null when reader u of kernel k can expand the pooling gradient where it loads it, else why not. */
    private static String expandsWhereItLoads(Graph g, Kernel k, int u, int grad) {
        Node head = g.node(k.head());
        if (!k.prologue().isEmpty() || !k.pooled().isEmpty()) return "runs in a kernel with a prologue or pooling of its own";
        boolean asDy = head.op() instanceof Op.Conv2dBackwardData && head.input(0) == grad
                || head.op() instanceof Op.Conv2dBackwardFilter && head.input(1) == grad;
        if (!asDy) return "is no convolution gradient reading it as dy";
        if (u == head.id()) return null;
        Node reader = g.node(u);
        boolean biasGradient = reader.op() instanceof Op.SumTo st && isPerFilter(st.target(), g.node(grad).type().shape());
        return k.siblings().contains(u) && biasGradient && reader.input(0) == grad ? null
                : "reads it inside the kernel other than as dy";
    }

    /**
     * The id of the convolution x is, or is followed by at most a per-filter bias add and then a ReLU,
     * sigmoid or tanh (the epilogue both kernel libraries apply in their store); null for anything else.
     */
    static Integer convolutionProducing(Graph g, Node x) {
        Node at = x;
        if (at.op() instanceof Op.Unary u && (u.fn() == UnaryFn.RELU || u.fn() == UnaryFn.SIGMOID || u.fn() == UnaryFn.TANH))
            at = g.node(at.input(0));
        if (at.op() instanceof Op.Binary b && b.fn() == dev.netc.ir.BinaryFn.ADD) {
            Node left = g.node(at.input(0)), right = g.node(at.input(1));
            Node conv = left.op() instanceof Op.Conv2d ? left : right;
            Node bias = conv == left ? right : left;
            if (!(conv.op() instanceof Op.Conv2d) || !isPerFilter(bias.type().shape(), conv.type().shape())) return null;
            at = conv;
        }
        return at.op() instanceof Op.Conv2d ? at.id() : null;
    }

    /** [F, 1, 1] or [1, F, 1, 1] for an output [N, F, H, W]. */
    private static boolean isPerFilter(Shape bias, Shape y) {
        List<Dim> d = bias.dims();
        if (d.size() == 4 && d.getFirst().isOne()) d = d.subList(1, 4);
        return d.size() == 3 && d.get(0).equals(y.dim(1)) && d.get(1).isOne() && d.get(2).isOne();
    }
}
