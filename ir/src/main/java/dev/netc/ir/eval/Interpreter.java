package dev.netc.ir.eval;

import dev.netc.ir.Dim;
import dev.netc.ir.Gather;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The reference interpreter: evaluates every node of a graph in double precision. It defines the
 * semantics of each op; the code generators are tested against it. i32 values are integral doubles,
 * and f32 nodes are computed in double precision too (no rounding).
 */
public final class Interpreter {
    private Interpreter() {}

    /**
     * Evaluates every node in id order.
     *
     * @param feeds       a value for every Input and Parameter, by name
     * @param dims        sizes of the shape symbols (e.g. "B"); a symbol left out is taken from the feeds
     * @param training    whether dropout masks drop (otherwise they are all ones) and train_select picks its first operand
     * @param dropoutSeed seeds the dropout masks; each mask node draws from its own stream derived from it
     * @return the value of every node, by node id
     * @throws IllegalArgumentException when a feed is missing or has the wrong shape
     */
    public static Map<Integer, DTensor> run(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims,
                                            boolean training, long dropoutSeed) {
        Map<String, Integer> bindings = bindSymbols(g, feeds, dims);
        DTensor[] values = new DTensor[g.size()];
        for (Node n : g.nodes()) {
            int[] shape = n.type().shape().bind(bindings);
            DTensor v = evaluate(n, shape, values, feeds, training, dropoutSeed);
            if (!Arrays.equals(v.shape(), shape))
                throw new IllegalStateException(n.label() + " computed shape " + Arrays.toString(v.shape())
                        + " but its type is " + n.type());
            values[n.id()] = v;
        }
        Map<Integer, DTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) out.put(i, values[i]);
        return out;
    }

    /** Like {@link #run} but returns only the graph's named outputs, by output name. */
    public static Map<String, DTensor> runOutputs(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims,
                                                  boolean training, long dropoutSeed) {
        Map<Integer, DTensor> all = run(g, feeds, dims, training, dropoutSeed);
        Map<String, DTensor> out = new LinkedHashMap<>();
        g.outputs().forEach((name, id) -> out.put(name, all.get(id)));
        return out;
    }

    private static DTensor evaluate(Node n, int[] shape, DTensor[] v, Map<String, DTensor> feeds,
                                    boolean training, long seed) {
        return switch (n.op()) {
            case Op.Input in -> feed(feeds, in.name(), "input", shape);
            case Op.Parameter p -> feed(feeds, p.name(), "parameter", shape);
            case Op.Constant c -> DTensor.filled(c.value(), shape);
            case Op.Unary u -> ElementwiseReference.unary(u.fn(), v[n.input(0)]);
            case Op.Binary b -> ElementwiseReference.binary(b.fn(), v[n.input(0)], v[n.input(1)], shape);
            case Op.DropoutMask d -> ElementwiseReference.dropoutMask(d.rate(), shape, training, dropoutRng(seed, n.id()));
            case Op.MatMul m -> LinalgReference.matMul(v[n.input(0)], v[n.input(1)], m.transposeA(), m.transposeB());
            case Op.Conv2d c -> LinalgReference.conv2d(v[n.input(0)], v[n.input(1)], c.stride(), c.padding(), shape);
            case Op.Conv2dBackwardData c ->
                    LinalgReference.conv2dBackwardData(v[n.input(0)], v[n.input(1)], c.stride(), c.padding(), shape);
            case Op.Conv2dBackwardFilter c ->
                    LinalgReference.conv2dBackwardFilter(v[n.input(0)], v[n.input(1)], c.stride(), c.padding(), shape);
            case Op.MaxPool p -> PoolReference.maxPool(v[n.input(0)], p.size(), p.stride(), p.padding(), shape);
            case Op.MaxPoolGrad p ->
                    PoolReference.maxPoolGrad(v[n.input(0)], v[n.input(1)], p.size(), p.stride(), p.padding());
            case Op.MaxPoolArgmax p -> PoolReference.maxPoolArgmax(v[n.input(0)], p.size(), p.stride(), p.padding(), shape);
            case Op.MaxPoolGradIndexed p -> PoolReference.maxPoolGradIndexed(v[n.input(0)], v[n.input(1)], p.size(), shape);
            case Op.Reduce r -> ReduceReference.reduce(r.fn(), v[n.input(0)], r.axes(), shape);
            case Op.SumTo s -> ElementwiseReference.sumTo(v[n.input(0)], shape);
            case Op.BroadcastTo b -> ElementwiseReference.broadcastTo(v[n.input(0)], shape);
            case Op.Softmax s -> ReduceReference.softmax(v[n.input(0)], s.axis(), false);
            case Op.LogSoftmax s -> ReduceReference.softmax(v[n.input(0)], s.axis(), true);
            case Op.Argmax a -> ReduceReference.argmax(v[n.input(0)], a.axis(), shape);
            case Op.Reshape r -> new DTensor(shape, v[n.input(0)].data());
            case Op.Transpose t -> LayoutReference.transpose(v[n.input(0)], t.permutation());
            case Op.OneHot o -> LayoutReference.oneHot(v[n.input(0)], o.depth(), shape);
            case Op.TrainSelect t -> training ? v[n.input(0)] : v[n.input(1)];
            case Op.AvgPool p -> PoolReference.avgPool(v[n.input(0)], p.size(), p.stride(), p.padding(), shape);
            case Op.AvgPoolGrad p -> PoolReference.avgPoolGrad(v[n.input(0)], p.size(), p.stride(), p.padding(), shape);
            case Op.Concat c -> LayoutReference.concat(n.inputs().stream().map(i -> v[i]).toList(), c.axis(), shape);
            case Op.Slice s -> LayoutReference.slice(v[n.input(0)], s.axis(), s.start(), shape);
            case Op.LayerNorm l -> ReduceReference.layerNorm(v[n.input(0)], l.epsilon());
            case Op.LayerNormGrad l -> ReduceReference.layerNormGrad(v[n.input(0)], v[n.input(1)], l.epsilon());
            case Gather g -> LayoutReference.gather(v[n.input(0)], v[n.input(1)], shape);
            case Gather.Grad g -> LayoutReference.gatherGrad(v[n.input(0)], v[n.input(1)], shape);
        };
    }

    /** A stream per mask node, so masks do not depend on evaluation order of other nodes. */
    private static SplittableRandom dropoutRng(long seed, int nodeId) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (nodeId + 1L)));
    }

    private static DTensor feed(Map<String, DTensor> feeds, String name, String kind, int[] shape) {
        DTensor t = feeds.get(name);
        if (t == null) throw new IllegalArgumentException("no value fed for " + kind + " '" + name + "'");
        if (!Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException(kind + " '" + name + "' expects shape " + Arrays.toString(shape)
                    + ", fed " + Arrays.toString(t.shape()));
        return t;
    }

    /** The given symbol sizes, plus any symbol read off a fed leaf's shape. */
    private static Map<String, Integer> bindSymbols(Graph g, Map<String, DTensor> feeds, Map<String, Integer> dims) {
        Map<String, Integer> bindings = new HashMap<>(dims);
        for (Node n : g.nodes()) {
            String name = switch (n.op()) {
                case Op.Input in -> in.name();
                case Op.Parameter p -> p.name();
                default -> null;
            };
            DTensor t = name == null ? null : feeds.get(name);
            if (t == null || t.rank() != n.type().rank()) continue;
            for (int i = 0; i < t.rank(); i++)
                if (n.type().shape().dim(i) instanceof Dim.Sym s) bindings.putIfAbsent(s.name(), t.shape()[i]);
        }
        return bindings;
    }
}
