package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.eval.DTensor;
import dev.netc.ir.eval.Interpreter;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.PlanKernels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generated code for the model-zoo ops (softplus, avg_pool, concat, slice, train_select) and their
 * gradients against the float64 interpreter, fused and unfused, in both modes of train_select.
 */
class ZooOpsGeneratedTest {

    private static TensorType f32(Dim... dims) { return new TensorType(DType.F32, Shape.of(dims)); }

    static Graph graph() throws Exception {
        Dim b = Dim.sym("B");
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(b, Dim.of(2), Dim.of(6), Dim.of(5)));
        int p = g.parameter("p", TensorType.f32(2, 6, 5), new Init.Zeros(), true);
        int q = g.parameter("q", TensorType.f32(3, 3, 3), new Init.Zeros(), true);
        int soft = g.add(new Op.Unary(UnaryFn.SOFTPLUS), "soft", g.add(new Op.Binary(BinaryFn.MUL), null, x, p));
        int pooled = g.add(new Op.AvgPool(2, 2, new Padding(0, 1, 0, 1)), "pooled", soft);          // [B, 2, 3, 3]
        int tail = g.add(new Op.Slice(1, 1, 2), "tail", pooled);                                   // [B, 1, 3, 3]
        int joined = g.add(new Op.Concat(1), "joined", pooled, tail);                              // [B, 3, 3, 3]
        int scaled = g.add(new Op.Binary(BinaryFn.MUL), null, joined, q);
        int picked = g.add(new Op.TrainSelect(), "picked", scaled, joined);
        int flat = g.add(new Op.Reshape(Shape.of(b, Dim.of(27))), null, picked);
        int narrow = g.add(new Op.Slice(1, 4, 24), "narrow", flat);                                // [B, 20]
        int avg3 = g.add(new Op.AvgPool(3, 1, Padding.uniform(1)), "avg3", soft);                 // [B, 2, 6, 5]
        g.output("narrow", narrow);
        g.output("avg3", avg3);
        int sq = g.add(new Op.Unary(UnaryFn.SQUARE), null, narrow);
        int l1 = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), null, sq);
        int l2 = g.add(new Op.Reduce(ReduceFn.SUM, List.of(0, 1, 2, 3), false), null, avg3);
        g.output(Graph.LOSS, g.add(new Op.Binary(BinaryFn.ADD), "loss", l1, l2));
        return g.build();
    }

    @Test
    void outputsAndGradientsMatchTheInterpreterInBothModes() throws Exception {
        Graph g = Autodiff.differentiate(graph());
        int batch = 3;
        Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, 5);
        for (boolean training : new boolean[] {true, false}) {
            Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", batch), training, 0);
            for (KernelPlan plan : new KernelPlan[] {PlanKernels.unfused(g), FuseOps.fuse(g)}) {
                GeneratedModel m = Harness.compile(plan, null);
                m.setBatch(batch);
                Harness.load(m, g, feeds);
                m.forward(training);
                m.backward();
                for (var e : expected.entrySet())
                    Harness.assertClose(e.getValue().data(), Harness.read(m, g, e.getKey()), 1e-4,
                            (training ? "training " : "inference ") + plan.kernels().size() + " kernels: " + e.getKey());
            }
        }
    }
}
