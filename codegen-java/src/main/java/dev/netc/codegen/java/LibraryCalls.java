package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Node;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;

/** Calls into the hand-optimised kernel library ({@code dev.netc.kernels}) for heavy ops. */
final class LibraryCalls {
    private LibraryCalls() {}

    static final String KERNELS = "dev.netc.kernels";
    static final ClassName GEMM = ClassName.get(KERNELS, "Gemm");
    static final ClassName CONV2D = ClassName.get(KERNELS, "Conv2d");
    static final ClassName POOLING = ClassName.get(KERNELS, "Pooling");
    static final ClassName CONV_POOLED = ClassName.get(KERNELS, "ConvPooled");
    static final ClassName PARALLEL = ClassName.get(KERNELS, "Parallel");
    static final ClassName REDUCTIONS = ClassName.get(KERNELS, "Reductions");

    static final ClassName PACKED_OPERANDS = ClassName.get(KERNELS, "PackedOperands");
    /** The model's field holding its packed weights (see GeneratedModel.freezeParameters). */
    static final String PACKED_OPERANDS_FIELD = "packedOperands";

    /**
     * out = op(a) @ op(b) for 2-D row-major matrices. When b is a parameter the call also passes its GEMM
     * panels, which the model holds while its parameters are frozen (null otherwise: packed per call).
     */
    static CodeBlock matmul(boolean transA, boolean transB, Shape a, Shape out, String aField, String bField, boolean bIsParameter,
                            String outField) {
        SizeExpr m = SizeExpr.of(out.dim(0)), n = SizeExpr.of(out.dim(1));
        SizeExpr k = SizeExpr.of(a.dim(transA ? 0 : 1));
        if (bIsParameter)
            return CodeBlock.builder().addStatement("$T.sgemm($L, $L, $L, $L, $L, $L, 0, $L, 0, $L, 0f, $L, 0)",
                    GEMM, transA, transB, m, n, k, aField, bField, panels(transB, k, n, bField), outField).build();
        return CodeBlock.builder().addStatement("$T.sgemm($L, $L, $L, $L, $L, $L, 0, $L, 0, 0f, $L, 0)",
                GEMM, transA, transB, m, n, k, aField, bField, outField).build();
    }

    /** The expression for parameter b's panels: op(b) is k x n. */
    static String panels(boolean transB, SizeExpr k, SizeExpr n, String bField) {
        return PACKED_OPERANDS_FIELD + ".panels(" + transB + ", " + k + ", " + n + ", " + bField + ")";
    }

    /** The twelve geometry arguments shared by the convolution kernels. */
    static String convGeometry(Shape x, int f, int kh, int kw, int stride, Padding pad, Shape y) {
        return String.join(", ", SizeExpr.of(x.dim(0)).toString(), SizeExpr.of(x.dim(1)).toString(),
                SizeExpr.of(x.dim(2)).toString(), SizeExpr.of(x.dim(3)).toString(), Integer.toString(f),
                Integer.toString(kh), Integer.toString(kw), Integer.toString(stride), Integer.toString(pad.top()),
                Integer.toString(pad.left()), SizeExpr.of(y.dim(2)).toString(), SizeExpr.of(y.dim(3)).toString());
    }

    static CodeBlock conv2dForward(String geometry, String x, String w, String y) {
        return CodeBlock.builder().addStatement("$T.forward($L, $L, $L, $L)", CONV2D, geometry, x, w, y).build();
    }

    static CodeBlock conv2dBackwardData(String geometry, String dy, String w, String dx) {
        return CodeBlock.builder().addStatement("$T.backwardData($L, $L, $L, $L)", CONV2D, geometry, dy, w, dx).build();
    }

    static CodeBlock conv2dBackwardFilter(String geometry, String x, String dy, String dw) {
        return CodeBlock.builder().addStatement("$T.backwardFilter($L, $L, $L, $L)", CONV2D, geometry, x, dy, dw).build();
    }

    /** The ten geometry arguments of the pooling kernels: x is the input, y the pooled shape. */
    static String poolGeometry(Shape x, int size, int stride, Padding pad, Shape y) {
        return String.join(", ", SizeExpr.of(x.dim(0)).toString(), SizeExpr.of(x.dim(1)).toString(),
                SizeExpr.of(x.dim(2)).toString(), SizeExpr.of(x.dim(3)).toString(), Integer.toString(size),
                Integer.toString(stride), Integer.toString(pad.top()), Integer.toString(pad.left()),
                SizeExpr.of(y.dim(2)).toString(), SizeExpr.of(y.dim(3)).toString());
    }

    static CodeBlock maxPool(String geometry, String x, String y) {
        return CodeBlock.builder().addStatement("$T.maxPool($L, $L, $L)", POOLING, geometry, x, y).build();
    }

    static CodeBlock maxPoolGrad(String geometry, String x, String dy, String dx) {
        return CodeBlock.builder().addStatement("$T.maxPoolGrad($L, $L, $L, $L)", POOLING, geometry, x, dy, dx).build();
    }

    static CodeBlock maxPoolArgmax(String geometry, String x, String argmax) {
        return CodeBlock.builder().addStatement("$T.maxPoolArgmax($L, $L, $L)", POOLING, geometry, x, argmax).build();
    }

    /** Shape of node n's i-th operand. */
    static Shape operandShape(dev.netc.ir.Graph g, Node n, int i) { return g.node(n.input(i)).type().shape(); }
}
