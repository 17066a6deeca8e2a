package dev.netc.ir.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the fusion pass merges and the reasons it gives for what it keeps apart. */
class FusionPassTest {
    private static final Dim B = Dim.sym("B");

    private static TensorType f32(Dim... dims) { return new TensorType(DType.F32, Shape.of(dims)); }

    /** conv2d + bias + relu, with the relu gradient taken from the input (fromOutput false) or the output. */
    private record ConvGraph(FusionResult result, int conv, int add, int relu, int step, int mask, int backData) {}

    private static ConvGraph convBiasRelu(boolean gradientFromOutput) throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(1), Dim.of(6), Dim.of(6)));
        int w = g.parameter("w", TensorType.f32(2, 1, 3, 3), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(2), new Init.Zeros(), true);
        int conv = g.add(new Op.Conv2d(1, Padding.uniform(1)), null, x, w);
        int bias = g.add(new Op.Reshape(Shape.of(2, 1, 1)), null, b);
        int add = g.add(new Op.Binary(BinaryFn.ADD), null, conv, bias);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), "h", add);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1, 2, 3), false), "loss", relu);
        int dy = g.input("dy", f32(B, Dim.of(2), Dim.of(6), Dim.of(6))); // stands in for the upstream gradient
        int step = g.add(new Op.Unary(UnaryFn.STEP), null, gradientFromOutput ? relu : add);
        int mask = g.add(new Op.Binary(BinaryFn.MUL), null, dy, step);
        int backData = g.add(new Op.Conv2dBackwardData(1, Padding.uniform(1), 6, 6), null, mask, w);
        g.output("h", relu);
        g.output("loss", loss);
        g.gradient(x, "grad/x", backData);
        return new ConvGraph(FuseOps.analyze(g.build()), conv, add, relu, step, mask, backData);
    }

    private static Optional<Kernel> kernelOf(KernelPlan plan, int node) {
        return plan.kernels().stream().filter(k -> k.nodes().contains(node)).findFirst();
    }

    @Test
    void convBiasReluIsOneKernelWhenTheGradientReadsTheOutput() throws Exception {
        ConvGraph c = convBiasRelu(true);
        Kernel k = kernelOf(c.result().plan(), c.conv()).orElseThrow();
        assertEquals(List.of(c.conv(), c.add(), c.relu()), k.nodes(), c.result().plan().toString());
        boolean[] buffers = c.result().plan().materialized();
        assertFalse(buffers[c.conv()] || buffers[c.add()], "conv and add stay in registers");
        assertTrue(buffers[c.relu()]);
    }

    @Test
    void aGradientThatReadsThePreActivationLetsTheActivationFuseAndGetsTheValueStored() throws Exception {
        ConvGraph c = convBiasRelu(false);
        KernelPlan plan = c.result().plan();
        // the gradient's step reads the pre-activation later, so the fused kernel also stores it
        assertEquals(List.of(c.conv(), c.add(), c.relu()), kernelOf(plan, c.conv()).orElseThrow().nodes(), plan.toString());
        assertTrue(plan.materialized()[c.add()], "the pre-activation is an extra output of the kernel");
        assertFalse(plan.materialized()[c.conv()]);
    }

    @Test
    void theReluMaskIsNotAnEpilogueOfAnOpaqueOrLeafOperand() throws Exception {
        ConvGraph c = convBiasRelu(true);
        // dy is an input and step(h) reads a graph output: the mask multiply is its own elementwise kernel
        // together with its step, and the backward-data anchor reads it.
        Kernel mask = kernelOf(c.result().plan(), c.mask()).orElseThrow();
        assertEquals(List.of(c.step(), c.mask()), mask.nodes());
        assertTrue(c.result().rejected().stream().anyMatch(d -> d.node() == c.step() && d.reason().contains("also read by")),
                c.result().rejected().toString());
        assertEquals(List.of(c.backData()), kernelOf(c.result().plan(), c.backData()).orElseThrow().nodes());
    }

    @Test
    void backwardDataAnchorTakesTheActivationMaskAsItsEpilogue() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int dz = g.input("dz", f32(B, Dim.of(4)));
        int w = g.parameter("w", TensorType.f32(3, 4), new Init.Ones(), true);
        int h = g.input("h", f32(B, Dim.of(3)));
        int dh = g.add(new Op.MatMul(false, true), null, dz, w);   // backward data of a dense layer
        int unused = g.add(new Op.Binary(BinaryFn.MUL), null, dh, h); // a gradient nobody needs
        int step = g.add(new Op.Unary(UnaryFn.STEP), null, h);
        int da = g.add(new Op.Binary(BinaryFn.MUL), null, dh, step);
        g.gradient(g.input("a", f32(B, Dim.of(3))), "grad/a", da); // a: the activation, an input here
        FusionResult r = FuseOps.analyze(g.build());
        assertEquals(1, r.plan().kernels().size(), r.plan().toString());
        Kernel k = r.plan().kernels().getFirst();
        assertEquals(List.of(dh, step, da), k.nodes(), "the anchor runs first, then the mask");
        assertEquals(Kernel.Phase.BACKWARD, k.phase());
        assertFalse(k.nodes().contains(unused));
        assertFalse(r.plan().materialized()[dh], "the anchor's result is never a buffer of its own");
    }

    @Test
    void twoAnchorsNeverShareAKernel() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(4)));
        int w1 = g.parameter("w1", TensorType.f32(4, 4), new Init.Ones(), true);
        int w2 = g.parameter("w2", TensorType.f32(4, 4), new Init.Ones(), true);
        int m1 = g.add(new Op.MatMul(false, false), null, x, w1);
        int m2 = g.add(new Op.MatMul(false, false), null, x, w2);
        int sum = g.add(new Op.Binary(BinaryFn.ADD), "y", m1, m2);
        g.output("y", sum);
        FusionResult r = FuseOps.analyze(g.build());
        assertEquals(2, r.plan().kernels().size(), r.plan().toString());
        // the first operand's anchor is absorbed, the second keeps a kernel (and a buffer) of its own
        assertEquals(List.of(m2), r.plan().kernels().get(0).nodes());
        assertEquals(List.of(m1, sum), r.plan().kernels().get(1).nodes());
        assertTrue(r.rejected().stream().anyMatch(d -> d.node() == sum && d.reason().contains("second anchor")), r.rejected().toString());
    }

    @Test
    void reductionsAndOpaqueOpsTakeNoEpilogue() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(1), Dim.of(4), Dim.of(4)));
        int pool = g.add(new Op.MaxPool(2, 2, Padding.NONE), null, x);
        int relu = g.add(new Op.Unary(UnaryFn.RELU), "y", pool);
        g.output("y", relu);
        FusionResult r = FuseOps.analyze(g.build());
        assertEquals(2, r.plan().kernels().size());
        assertTrue(r.rejected().getFirst().reason().contains("is REDUCTION, which takes no elementwise epilogue"), r.rejected().toString());
    }

    @Test
    void theBiasGradientJoinsTheWeightGradientAsASiblingOutput() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(3)));
        int dz = g.input("dz", f32(B, Dim.of(4)));
        int w = g.parameter("w", TensorType.f32(3, 4), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(4), new Init.Zeros(), true);
        int dy = g.add(new Op.Unary(UnaryFn.NEG), null, dz);
        int db = g.add(new Op.SumTo(Shape.of(4)), null, dy);       // before both anchors in id order
        int dx = g.add(new Op.MatMul(false, true), null, dy, w);   // reads dy too: not the last reader
        int dw = g.add(new Op.MatMul(true, false), null, x, dy);
        g.gradient(x, "grad/x", dx);
        g.gradient(w, "grad/w", dw);
        g.gradient(b, "grad/b", db);
        FusionResult r = FuseOps.analyze(g.build());
        List<Kernel> kernels = r.plan().kernels();
        assertEquals(3, kernels.size(), kernels.toString());
        Kernel weightGrad = kernels.get(2);
        assertEquals(List.of(dw), weightGrad.nodes());
        assertEquals(List.of(db), weightGrad.siblings());
        assertTrue(weightGrad.name().endsWith("_matmul_sum_to"), weightGrad.name());
        assertTrue(r.plan().materialized()[db]);
        assertEquals(2, r.plan().kernelIndexByNode()[db]);
        // dy is read once by the fused kernel: x + dy, not x + dy + dy
        assertEquals(Traffic.bytes(g.build().node(x), 8) + Traffic.bytes(g.build().node(dy), 8),
                Traffic.of(r.plan(), 8).get(2).bytesRead());
    }

    @Test
    void aReductionWhoseReaderRunsFirstStaysApart() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", f32(B, Dim.of(3)));
        int dz = g.input("dz", f32(B, Dim.of(4)));
        int dy = g.add(new Op.Unary(UnaryFn.NEG), null, dz);
        int db = g.add(new Op.SumTo(Shape.of(4)), null, dy);
        int scaled = g.add(new Op.Binary(BinaryFn.MUL), null, dy, db); // reads db before the anchor runs
        int dw = g.add(new Op.MatMul(true, false), null, x, scaled);
        int dw2 = g.add(new Op.MatMul(true, false), null, x, dy);
        g.output("a", dw);
        g.output("b", dw2);
        FusionResult r = FuseOps.analyze(g.build());
        assertTrue(r.plan().kernels().stream().noneMatch(k -> k.siblings().contains(db)), r.plan().toString());
        assertTrue(r.rejected().stream().anyMatch(d -> d.node() == db && d.reason().contains("runs before")),
                r.rejected().toString());
    }
}
