package dev.netc.codegen.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.netc.ir.plan.PoolingRewrite;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two pooled convolution blocks (2x2 then 4x4 windows) after the pooling rewrites: the fused plan
 * (ConvPooled calls) and the unfused one (max_pool_argmax from the library, max_pool_grad_indexed from
 * the shared loop lowering) against the float64 interpreter on the graph autodiff made.
 */
class PooledConvolutionCodeTest {
    private static final Dim B = Dim.sym("B");

    private static Graph twoBlocks() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("image", new TensorType(DType.F32, Shape.of(B, Dim.of(2), Dim.of(16), Dim.of(16))));
        int labels = b.input("labels", new TensorType(DType.I32, Shape.of(B)));
        int k1 = b.parameter("conv1/kernel", TensorType.f32(16, 2, 3, 3), new Init.HeNormal(), true);
        int c1 = b.parameter("conv1/bias", TensorType.f32(16, 1, 1), new Init.Zeros(), true);
        int k2 = b.parameter("conv2/kernel", TensorType.f32(24, 16, 3, 3), new Init.HeNormal(), true);
        int c2 = b.parameter("conv2/bias", TensorType.f32(24, 1, 1), new Init.Zeros(), true);
        int w = b.parameter("dense/kernel", TensorType.f32(24, 3), new Init.GlorotUniform(), true);
        int h = b.add(new Op.Conv2d(1, Padding.uniform(1)), null, x, k1);
        h = b.add(new Op.Binary(BinaryFn.ADD), null, h, c1);
        h = b.add(new Op.Unary(UnaryFn.RELU), "conv1", h);
        h = b.add(new Op.MaxPool(2, 2, Padding.NONE), "pool1", h);            // [B, 16, 8, 8]
        h = b.add(new Op.Conv2d(1, Padding.uniform(1)), null, h, k2);
        h = b.add(new Op.Binary(BinaryFn.ADD), null, h, c2);
        h = b.add(new Op.Unary(UnaryFn.TANH), "conv2", h);
        h = b.add(new Op.MaxPool(4, 4, Padding.NONE), "pool2", h);            // [B, 24, 2, 2]
        h = b.add(new Op.Reduce(ReduceFn.MEAN, List.of(2, 3), false), "gap", h);
        return TestGraphs.withSquaredErrorHead(b, h, w, labels);
    }

    @Test
    void pooledPlansMatchTheInterpreter() throws Exception {
        Graph g = Autodiff.differentiate(twoBlocks());
        Graph rewritten = PoolingRewrite.apply(g);
        int batch = 3;
        Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, 5);
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", batch), false, 7);
        KernelPlan fused = FuseOps.fuse(rewritten);
        assertTrue(fused.kernels().stream().filter(k -> !k.pooled().isEmpty()).count() == 2, fused.toString());
        String source = JavaCodegen.generate(fused, null, "demo", "PooledModel");
        assertTrue(source.contains("ConvPooled.forward(") && source.contains("ConvPooled.backwardData(")
                && source.contains("ConvPooled.backwardFilterBias("), source);
        for (KernelPlan plan : new KernelPlan[] {fused, PlanKernels.unfused(rewritten)}) {
            GeneratedModel m = Harness.compile(plan, null);
            m.setBatch(batch);
            Harness.load(m, rewritten, feeds);
            m.forward(false);
            m.backward();
            for (var e : expected.entrySet())
                Harness.assertClose(e.getValue().data(), Harness.read(m, rewritten, e.getKey()), 1e-4,
                        plan.kernels().size() + " kernels: " + e.getKey());
        }
    }

    /**
     * predict() skips the argmax (only backward reads it), so a 5 x 5 layer on at least 16 channels may run
     * by Winograd there (on AVX-512), which rounds differently from forward's direct kernel but stays within
     * float32 noise of the interpreter; frozen, the filters stay transformed, with the same bits.
     */
    @Test
    void predictSkipsTheArgmaxAndMayRunWinograd() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("image", new TensorType(DType.F32, Shape.of(B, Dim.of(16), Dim.of(8), Dim.of(10))));
        int labels = b.input("labels", new TensorType(DType.I32, Shape.of(B)));
        int k = b.parameter("conv/kernel", TensorType.f32(20, 16, 5, 5), new Init.HeNormal(), true);
        int c = b.parameter("conv/bias", TensorType.f32(20, 1, 1), new Init.Zeros(), true);
        int w = b.parameter("dense/kernel", TensorType.f32(20, 3), new Init.GlorotUniform(), true);
        int h = b.add(new Op.Conv2d(1, Padding.uniform(2)), null, x, k);
        h = b.add(new Op.Binary(BinaryFn.ADD), null, h, c);
        h = b.add(new Op.Unary(UnaryFn.RELU), "conv", h);
        h = b.add(new Op.MaxPool(2, 2, Padding.NONE), "pool", h);             // [B, 20, 4, 5]
        h = b.add(new Op.Reduce(ReduceFn.MEAN, List.of(2, 3), false), "gap", h);
        Graph g = Autodiff.differentiate(TestGraphs.withSquaredErrorHead(b, h, w, labels));
        Graph rewritten = PoolingRewrite.apply(g);
        int batch = 3;
        Map<String, DTensor> feeds = Harness.randomFeeds(g, batch, 9);
        Map<String, DTensor> expected = Interpreter.runOutputs(g, feeds, Map.of("B", batch), false, 7);
        GeneratedModel m = Harness.compile(FuseOps.fuse(rewritten), null);
        m.setBatch(batch);
        Harness.load(m, rewritten, feeds);
        m.forward(false);
        Harness.assertClose(expected.get("logits").data(), Harness.read(m, rewritten, "logits"), 1e-4, "forward");
        m.predict();
        float[] thawed = m.floatBuffer("logits").clone();
        Harness.assertClose(expected.get("logits").data(), Harness.read(m, rewritten, "logits"), 1e-4, "predict");
        m.freezeParameters(true);
        m.predict();
        assertTrue(java.util.Arrays.equals(thawed, m.floatBuffer("logits")), "frozen predict: the thawed one's bits");
        m.freezeParameters(false);
    }
}
