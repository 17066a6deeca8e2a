package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.UnaryFn;
import java.util.List;

/**
 * Graph rewrites after differentiation that let max pooling fuse into the convolution producing its
 * input ({@link PoolFusion}); the compile pipeline runs them for the fused plan only. Each keeps the
 * reference semantics (a test evaluates both graphs):
 *
 * <ol>
 *   <li><b>Mask at pooled size.</b> {@code mul(max_pool_grad(x, g), e(x))}, e an elementwise function
 *       of x and constants (the ReLU mask {@code step(x)}, tanh's {@code 1 - x * x}), becomes
 *       {@code max_pool_grad(x, mul(g, e(max_pool(x))))}: the gradient is non-zero only at each window's
 *       argmax, where x equals the pooled value. The mask then runs on the pooled gradient (in the
 *       kernel producing g); when g is a reshape of a value a (a flattened dense gradient), the product
 *       is taken at a's shape, so it fuses into a's kernel. Only where rewrite 2 follows: elsewhere the
 *       graph, and so the plan, stays as it was.</li>
 *   <li><b>Argmax instead of x.</b> Where the windows tile x ({@link #whyNotIndexed}), x is a convolution
 *       (with at most a bias and an activation), no output of the model, and read only by this max pool
 *       and its gradient, {@code max_pool_grad(x, g)} becomes
 *       {@code max_pool_grad_indexed(max_pool_argmax(x), g)}: the gradient needs one byte per window,
 *       not x, which then need never be stored.</li>
 * </ol>
 */
public final class PoolingRewrite {
    private PoolingRewrite() {}

    /**
     * Both rewrites, then the nodes no output needs any more are dropped; g itself when neither applies
     * (a graph without pooling gradients: inference, dense models).
     */
    public static Graph apply(Graph g) {
        Graph masked = maskedAtPooledSize(g);
        if (masked != g) masked = GraphCopy.live(masked);
        Graph indexed = indexed(masked);
        return indexed == masked ? masked : GraphCopy.live(indexed);
    }

    /**
     * Why max_pool op over x cannot use the argmax form, or null when it can: the windows must tile x
     * (stride = size, no padding, sizes dividing H and W) and be 2x2 or 4x4, the windows a pooled
     * convolution kernel handles (a GEMM tile of 64 positions holds whole windows).
     */
    public static String whyNotIndexed(int size, int stride, Padding padding, Shape x) {
        if (size != 2 && size != 4) return "window size " + size + " (the pooled convolution handles 2 and 4)";
        if (stride != size) return "stride " + stride + " differs from the window size " + size + " (windows overlap or skip cells)";
        if (!padding.equals(Padding.NONE)) return "padded windows";
        if (x.rank() != 4 || !x.dim(2).isKnown() || !x.dim(3).isKnown() || x.size(2) % size != 0 || x.size(3) % size != 0)
            return "the windows do not tile the " + x + " input";
        return null;
    }

    /** Rewrite 1: the mask of a pooling gradient moves to the pooled side. */
    static Graph maskedAtPooledSize(Graph g) {
        List<List<Integer>> users = g.users();
        GraphCopy copy = new GraphCopy(g);
        boolean rewritten = false;
        for (Node n : g.nodes()) {
            int pg = maskedPoolGradient(g, n, users);
            if (pg < 0) {
                copy.copy(n);
                continue;
            }
            Node grad = g.node(pg);
            Op.MaxPoolGrad op = (Op.MaxPoolGrad) grad.op();
            int x = grad.input(0), dy = grad.input(1);
            int pooled = copy.findOrAdd(new Op.MaxPool(op.size(), op.stride(), op.padding()), copy.at(x));
            Node dyNode = g.node(dy);
            boolean flat = dyNode.op() instanceof Op.Reshape;
            int target = flat ? copy.at(dyNode.input(0)) : copy.at(dy);
            int operand = flat ? copy.findOrAdd(new Op.Reshape(g.node(dyNode.input(0)).type().shape()), pooled) : pooled;
            int mask = rebuiltAt(g, copy, n.input(n.input(0) == pg ? 1 : 0), x, operand);
            int product = copy.add(n.op(), target, mask);
            if (flat) product = copy.add(dyNode.op(), product);
            copy.map(n.id(), copy.add(op, copy.at(x), product));
            rewritten = true;
        }
        return rewritten ? copy.build() : g;
    }

    /**
     * Function e of x evaluated on {@code operand} instead (ids of the copy): e's nodes again, reading
     * operand where they read x; a constant of x's shape becomes one of operand's shape.
     */
    private static int rebuiltAt(Graph g, GraphCopy copy, int e, int x, int operand) {
        if (e == x) return operand;
        Node n = g.node(e);
        if (n.op() instanceof Op.Constant c)
            return broadcasts(n.type().shape()) ? copy.at(e) : copy.constant(c.value(), n.type().withShape(copy.shape(operand)));
        int[] inputs = n.inputs().stream().mapToInt(in -> rebuiltAt(g, copy, in, x, operand)).toArray();
        return copy.add(n.op(), inputs);
    }

    /** A constant that broadcasts against any shape (a scalar, or ones throughout). */
    private static boolean broadcasts(Shape s) { return s.dims().stream().allMatch(dev.netc.ir.Dim::isOne); }

    /**
     * The id of the max_pool_grad n multiplies by an elementwise function of the gradient's x, or -1.
     * The gradient must have n as its only reader (it is replaced, not kept beside).
     */
    private static int maskedPoolGradient(Graph g, Node n, List<List<Integer>> users) {
        if (!(n.op() instanceof Op.Binary b) || b.fn() != dev.netc.ir.BinaryFn.MUL || n.input(0) == n.input(1)) return -1;
        for (int side = 0; side < 2; side++) {
            Node grad = g.node(n.input(side));
            if (!(grad.op() instanceof Op.MaxPoolGrad) || users.get(grad.id()).size() != 1) continue;
            if (!grad.type().equals(n.type()) || !argmaxFormFits(g, grad)) continue;
            if (n.input(1 - side) != grad.input(0) && isFunctionOf(g, n.input(1 - side), grad.input(0))) return grad.id();
        }
        return -1;
    }

    /**
     * True when e is x, or unary and binary functions whose leaves are x and constants (the ReLU mask
     * step(x), tanh's 1 - x * x), leaving out those not finite on all reals (log, sqrt, reciprocal,
     * division): where the gradient is zero, the product must stay zero.
     */
    private static boolean isFunctionOf(Graph g, int e, int x) {
        if (e == x) return true;
        Node n = g.node(e);
        if (n.op() instanceof Op.Constant) return true;
        // functions that are infinite or NaN somewhere on the reals would turn 0 * inf into 0
        if (n.op() instanceof Op.Unary u && (u.fn() == UnaryFn.LOG || u.fn() == UnaryFn.SQRT || u.fn() == UnaryFn.RECIPROCAL)) return false;
        if (n.op() instanceof Op.Binary b && b.fn() == dev.netc.ir.BinaryFn.DIV) return false;
        if (!(n.op() instanceof Op.Unary) && !(n.op() instanceof Op.Binary)) return false;
        for (int in : n.inputs()) if (!isFunctionOf(g, in, x)) return false;
        return true;
    }

    /** Rewrite 2: max_pool_grad(x, g) -> max_pool_grad_indexed(max_pool_argmax(x), g) where it applies. */
    static Graph indexed(Graph g) {
        List<List<Integer>> users = g.users();
        GraphCopy copy = new GraphCopy(g);
        boolean rewritten = false;
        for (Node n : g.nodes()) {
            if (!(n.op() instanceof Op.MaxPoolGrad op) || !indexable(g, n, users)) {
                copy.copy(n);
                continue;
            }
            int argmax = copy.findOrAdd(new Op.MaxPoolArgmax(op.size(), op.stride(), op.padding()), copy.at(n.input(0)));
            copy.map(n.id(), copy.add(new Op.MaxPoolGradIndexed(op.size()), argmax, copy.at(n.input(1))));
            rewritten = true;
        }
        return rewritten ? copy.build() : g;
    }

    /**
     * The conditions both rewrites share (the mask moves only where the argmax form follows, so a plan
     * they do not help stays as it was): tiling windows over a convolution that is no model output.
     */
    private static boolean argmaxFormFits(Graph g, Node grad) {
        Op.MaxPoolGrad op = (Op.MaxPoolGrad) grad.op();
        Node x = g.node(grad.input(0));
        return whyNotIndexed(op.size(), op.stride(), op.padding(), x.type().shape()) == null
                && PoolFusion.convolutionProducing(g, x) != null && !g.outputs().containsValue(x.id());
    }

    private static boolean indexable(Graph g, Node grad, List<List<Integer>> users) {
        if (!argmaxFormFits(g, grad)) return false;
        Op.MaxPoolGrad op = (Op.MaxPoolGrad) grad.op();
        Node x = g.node(grad.input(0));
        Op.MaxPool pool = new Op.MaxPool(op.size(), op.stride(), op.padding());
        for (int u : users.get(x.id())) {
            Op reader = g.node(u).op();
            if (!reader.equals(pool) && !reader.equals(op)) return false;
        }
        return true;
    }
}
