package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reductions with elementwise prologues and epilogues, and values recomputed instead of loaded. */
class ReductionFusionTest {
    private static final Dim B = Dim.sym("B");

    private static TensorType f32(Dim... dims) { return new TensorType(DType.F32, Shape.of(dims)); }

    private static Kernel kernelOf(KernelPlan plan, int node) {
        return plan.kernels().get(plan.kernelIndexByNode()[node]);
    }

    /** loss = mean(neg(sum(one_hot(y) * log_softmax(z), axis 1))): the cross-entropy of every example. */
    @Test
    void crossEntropyRowsAreOneKernelWithAPrologueAndAnEpilogue() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int z = g.input("z", f32(B, Dim.of(10)));
        int y = g.input("y", new TensorType(DType.I32, Shape.of(B)));
        int logp = g.add(new Op.LogSoftmax(1), null, z);
        int hot = g.add(new Op.OneHot(10), null, y);
        int prod = g.add(new Op.Binary(BinaryFn.MUL), null, hot, logp);
        int sum = g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), null, prod);
        int neg = g.add(new Op.Unary(UnaryFn.NEG), null, sum);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), "loss", neg);
        g.output("loss", loss);
        Graph graph = g.build();
        FusionResult r = FuseOps.analyze(graph);
        Kernel rows = kernelOf(r.plan(), sum);
        // the log-softmax of each row runs first in the same iteration, then the sum reads that row
        assertEquals(List.of(logp, hot, prod), rows.prologue(), r.plan().toString());
        assertEquals(List.of(sum, neg), rows.nodes(), r.plan().toString());
        boolean[] stored = r.plan().materialized();
        assertFalse(stored[hot] || stored[prod] || stored[sum], "the product and the row sums stay in the loop");
        assertTrue(stored[logp], "a softmax row is written where the sum then reads it");
        assertTrue(stored[neg], "the per-example loss is read by the mean");
        // the mean over the batch reduces everything to one value: no prologue (it would be one serial loop)
        assertTrue(kernelOf(r.plan(), loss).prologue().isEmpty());
        assertEquals(2, r.plan().kernels().size(), r.plan().toString()); // the rows, the mean
        assertTrue(r.rejected().stream().noneMatch(d -> d.node() == prod), "no stale refusal: " + r.rejected());
        // the rows kernel reads z and y, and writes the log-probabilities and B losses
        Traffic.KernelTraffic t = Traffic.of(r.plan(), 8).get(r.plan().kernelIndexByNode()[sum]);
        assertEquals(8 * 10 * 4 + 8 * 4, t.bytesRead());
        assertEquals(8 * 10 * 4 + 8 * 4, t.bytesWritten());
    }

    /** The softmax gradient g - exp(log_p) * sum(g): the sum, then a second pass over the same row. */
    @Test
    void theSoftmaxGradientIsOneKernelWithASecondPassOverEachRow() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int z = g.input("z", f32(B, Dim.of(10)));
        int dz = g.input("dz", f32(B, Dim.of(10)));
        int logp = g.add(new Op.LogSoftmax(1), "logp", z);
        int scaled = g.add(new Op.Unary(UnaryFn.NEG), null, dz);
        int sum = g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), true), null, scaled);
        int e = g.add(new Op.Unary(UnaryFn.EXP), null, logp);
        int m = g.add(new Op.Binary(BinaryFn.MUL), null, e, sum);
        int d = g.add(new Op.Binary(BinaryFn.SUB), "d", scaled, m);
        g.output("logp", logp);
        g.output("d", d);
        FusionResult r = FuseOps.analyze(g.build());
        Kernel k = kernelOf(r.plan(), sum);
        assertEquals(List.of(scaled), k.prologue(), r.plan().toString());
        assertEquals(List.of(sum, e, m, d), k.nodes(), r.plan().toString());
        assertFalse(r.plan().materialized()[scaled] || r.plan().materialized()[sum], "both stay inside the kernel");
        assertEquals(2, r.plan().kernels().size(), r.plan().toString());
    }

    @Test
    void aBiasGradientOverTheBatchTakesNoPrologue() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int dz = g.input("dz", f32(B, Dim.of(4)));
        int dy = g.add(new Op.Unary(UnaryFn.NEG), null, dz);
        int db = g.add(new Op.SumTo(Shape.of(4)), "db", dy);
        g.output("db", db);
        KernelPlan plan = FuseOps.fuse(g.build());
        assertEquals(2, plan.kernels().size(), plan.toString());
        assertTrue(plan.kernels().stream().allMatch(k -> k.prologue().isEmpty()));
    }

    /** A dropout mask read again by the backward pass is drawn again there, not stored. */
    @Test
    void aDropoutMaskIsRecomputedWhereTheBackwardPassReadsIt() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(3)));
        int w = g.parameter("w", TensorType.f32(3, 5), new Init.Ones(), true);
        int h = g.add(new Op.MatMul(false, false), null, x, w);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), null, h);
        int mask = g.add(new Op.DropoutMask(0.5), null, relu);
        int dropped = g.add(new Op.Binary(BinaryFn.MUL), "out", relu, mask);
        int dOut = g.input("d_out", f32(B, Dim.of(5)));
        int dRelu = g.add(new Op.Binary(BinaryFn.MUL), null, dOut, mask);
        int dw = g.add(new Op.MatMul(true, false), null, x, dRelu);
        g.output("out", dropped);
        g.gradient(w, "grad/w", dw);
        FusionResult r = FuseOps.analyze(g.build());
        Kernel backward = kernelOf(r.plan(), dRelu);
        assertEquals(List.of(mask), backward.recomputed(), r.plan().toString());
        assertFalse(r.plan().materialized()[mask], "nobody loads the mask: no buffer");
        assertTrue(r.plan().toString().contains("  ~ %" + mask + " = dropout_mask("), r.plan().toString());
        // the backward kernel reads only d_out: the mask costs no bytes
        assertEquals(8 * 5 * 4, Traffic.of(r.plan(), 8).get(r.plan().kernelIndexByNode()[dRelu]).bytesRead());
    }

    /**
     * exp(x) of an input x, read by a matmul and, after it, by a multiply: evaluating it again reads
     * x, no more bytes than loading exp(x) would, so the multiply recomputes it.
     */
    @Test
    void aFunctionOfAnInputIsRecomputedWhereItIsReadAgain() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(3)));
        int w = g.parameter("w", TensorType.f32(3, 3), new Init.Ones(), true);
        int e = g.add(new Op.Unary(UnaryFn.EXP), null, x);
        int h = g.add(new Op.MatMul(false, false), null, e, w);
        int d = g.add(new Op.Binary(BinaryFn.MUL), "d", e, h);
        g.output("d", d);
        FusionResult r = FuseOps.analyze(g.build());
        Kernel k = kernelOf(r.plan(), d);
        assertEquals(List.of(h, d), k.nodes(), r.plan().toString());
        assertEquals(List.of(e), k.recomputed(), r.plan().toString());
        assertTrue(r.plan().materialized()[e], "the matmul still reads exp(x) from its buffer");
    }

    /** A value computed from another kernel's values is loaded: recomputing it would read those. */
    @Test
    void aValueComputedFromOtherKernelsIsLoadedNotRecomputed() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(3)));
        int w = g.parameter("w", TensorType.f32(3, 3), new Init.Ones(), true);
        int h = g.add(new Op.MatMul(false, false), null, x, w);
        int e = g.add(new Op.Unary(UnaryFn.EXP), null, h);
        int s = g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), true), null, e);
        int scaled = g.add(new Op.Binary(BinaryFn.DIV), "out", e, s);
        g.output("out", scaled);
        FusionResult r = FuseOps.analyze(g.build());
        assertTrue(r.plan().kernels().stream().allMatch(k -> k.recomputed().isEmpty()), r.plan().toString());
        assertTrue(r.plan().materialized()[e]);
        assertTrue(r.rejected().stream().anyMatch(d -> d.node() == s && d.reason().contains("cannot run inside this reduction")),
                r.rejected().toString());
    }
}
