package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.autodiff.Autodiff;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.train.OptimizerSpec;
import org.junit.jupiter.api.Test;

/** The generated source is meant to be read: kernel methods, IR comments, named fields. */
class GeneratedSourceTest {

    @Test
    void everyKernelIsAMethodDocumentedWithItsIrLines() throws Exception {
        Graph g = Autodiff.differentiate(TestGraphs.cnn());
        KernelPlan plan = FuseOps.fuse(g);
        String src = JavaCodegen.generate(plan, new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7), "demo", "CnnModel");
        assertTrue(src.startsWith("package demo;"), src.substring(0, 40));
        assertTrue(src.contains("public final class CnnModel implements GeneratedModel"));
        for (Kernel k : plan.kernels()) {
            boolean alias = k.nodes().size() == 1 && g.node(k.root()).op() instanceof Op.Reshape;
            assertTrue(src.contains(alias ? "// " + k.name() + ":" : "private void " + k.name() + "()"), k.name());
            if (!alias) for (int id : k.nodes()) assertTrue(src.contains(IrPrinter.line(g.node(id))), IrPrinter.line(g.node(id)));
        }
        assertTrue(src.contains("private void k00_conv2d_add_tanh()"), "conv, bias and tanh form one kernel");
        assertTrue(src.contains("Conv2d.forwardBiasActivation(batch, 2, 7, 7, 3, 3, 3, 1, 1, 1, 7, 7, image, conv1_kernel, conv1_bias, Activation.TANH, conv1)"), "bias and tanh applied by the library");
        assertTrue(src.contains("private final float[] conv1_kernel = new float[54];"));
        assertTrue(src.contains("%" + g.parameterNamed("conv1/kernel").orElseThrow().id() + ":conv1/kernel = param("));
        assertTrue(src.contains("case \"grad/conv1/kernel\" ->"));
        assertTrue(src.contains("\"adam_m/conv1/kernel\""));
        assertFalse(src.contains("default:"), "no statement-switch defaults");
        Kernel filterGrad = plan.kernels().stream().filter(k -> !k.siblings().isEmpty()
                && g.node(k.nodes().getFirst()).op() instanceof Op.Conv2dBackwardFilter).findFirst().orElseThrow();
        assertTrue(src.contains("private void " + filterGrad.name() + "()"), filterGrad.name());
        assertTrue(src.contains("Conv2d.backwardFilterBias(batch, 2, 7, 7, 3, 3, 3, 1, 1, 1, 7, 7, image, "),
                "the bias gradient is a second output of the weight-gradient pass");
    }

    @Test
    void theReluMaskBelowAMaxPoolIsAppliedByThePoolingGradient() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", new TensorType(DType.F32, Shape.of(dev.netc.ir.Dim.sym("B"), dev.netc.ir.Dim.of(2),
                dev.netc.ir.Dim.of(4), dev.netc.ir.Dim.of(4))));
        int w = b.parameter("w", TensorType.f32(2, 4, 4), new dev.netc.ir.Init.Ones(), true);
        int scaled = b.add(new Op.Binary(dev.netc.ir.BinaryFn.MUL), null, x, w);
        int relu = b.add(new Op.Unary(UnaryFn.RELU), "h", scaled);
        int pool = b.add(new Op.MaxPool(2, 2, dev.netc.ir.Padding.NONE), "p", relu);
        b.output("loss", b.add(new Op.Reduce(dev.netc.ir.ReduceFn.SUM, java.util.List.of(0, 1, 2, 3), false), "loss", pool));
        KernelPlan plan = FuseOps.fuse(Autodiff.differentiate(b.build()));
        String src = JavaCodegen.generate(plan, new OptimizerSpec.Sgd(0.1, 0, false, 0), "demo", "PoolModel");
        assertTrue(plan.kernels().stream().anyMatch(k -> k.name().contains("max_pool_grad_step_mul")), plan.toString());
        assertTrue(src.contains("Pooling.maxPoolGrad(batch, 2, 4, 4, 2, 2, 0, 0, 2, 2, h, ") && src.contains(", true);"), src);
    }

    @Test
    void onlyBiasAndActivationEpiloguesGoToTheLibrary() throws Exception {
        String src = JavaCodegen.generate(FuseOps.fuse(TestGraphs.epilogues()), null, "demo", "EpilogueModel");
        // w and u are parameters: the calls pass their panels, which the model holds while its parameters are frozen
        assertTrue(src.contains("Gemm.sgemmBiasActivation(false, true, batch, 3, 4, x, 0, w, 0, packedOperands.panels(true, 4, 3, w), 0f, bias, Activation.SIGMOID,"), src);
        assertTrue(src.contains("Gemm.sgemm(false, false, batch, 3, 4, x, 0, u, 0, packedOperands.panels(false, 4, 3, u), 0f,"), "exp then neg stays a generated loop");
    }

    @Test
    void elementwiseLoopsRunVectorsWhereEveryOperandAllowsIt() throws Exception {
        String src = JavaCodegen.generate(FuseOps.fuse(TestGraphs.vectorizable()), null, "demo", "VectorModel");
        assertTrue(src.contains("for (int upper = from + SPECIES.loopBound(to - from); i < upper; i += LANES)"), src);
        // a short chunk runs the scalar body alone: no vector objects before C2 compiles the loop
        assertTrue(src.contains("if (to - from >= " + JavaLoopPrinter.VECTOR_MIN_ELEMENTS + ")"), src);
        assertTrue(src.contains(".compare(GT, "), src);
        // transcendentals are VectorMath's in the vector body and the scalar tail alike (the same bits in every JIT tier)
        assertTrue(src.contains("import static dev.netc.kernels.VectorMath.exp;"), src);
        assertTrue(src.contains("var v24 = tanh(v23);") && src.contains("float v24 = tanh(v23);"), src);
        assertTrue(src.contains(".add(exp(v21.neg()))") && src.contains("(1.0f + exp(-v21))"), src);
        assertTrue(src.matches("(?s).*log\\(bcast\\$\\d+\\.add\\(exp\\(v33\\.abs\\(\\)\\.neg\\(\\)\\)\\)\\).*"), src);
        // loop-invariant broadcasts are made once per chunk, before the vector loop
        assertTrue(src.contains("var bcast$0 = broadcast(SPECIES, "), src);
        assertFalse(src.contains(".lanewise("), src);
        assertFalse(java.util.regex.Pattern.compile("(?<!Vector)Math\\.(exp|log|tanh)\\b").matcher(src).find(), src);
        assertTrue(src.contains("fromArray(SPECIES, p, i % 32)"), "a [32] row is read as whole vectors");
        assertTrue(src.contains("broadcast(SPECIES, q[(i / 32) % 4])"), "a per-row value is broadcast");
    }

    @Test
    void everyParallelLoopIsHandedToForChunksAsAField() throws Exception {
        // a lambda capturing this (or a local) would be a new object each time its kernel runs
        KernelPlan plan = FuseOps.fuse(Autodiff.differentiate(TestGraphs.elementwise())); // with a dropout mask
        for (CodeLimits limits : java.util.List.of(CodeLimits.DEFAULT, CodeLimits.ALWAYS_SPLIT)) {
            String src = JavaCodegen.generate(plan, new OptimizerSpec.Adam(0.001, 0.9, 0.999, 1e-7), "demo", "DropoutModel", limits);
            assertTrue(src.contains(" = dropoutStream(") && src.contains("Loop0$body);"), src);
            assertTrue(src.lines().filter(l -> l.contains("forChunks(")).allMatch(l -> l.strip().matches("forChunks\\([^;]+, \\w+\\$body\\);")), src);
        }
    }

    @Test
    void f64GraphsAreRejectedWithAClearMessage() throws Exception {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", new TensorType(DType.F64, Shape.of(3)));
        b.output("y", b.add(new Op.Unary(UnaryFn.EXP), "y", x));
        var e = assertThrows(IllegalArgumentException.class,
                () -> JavaCodegen.generate(FuseOps.fuse(b.build()), null, "demo", "F64Model"));
        assertTrue(e.getMessage().contains("f64"), e.getMessage());
    }
}
