package dev.netc.ir.plan;

import dev.netc.ir.IrPrinter;

/**
 * The textual form of a kernel plan, one block per kernel:
 * <pre>
 * kernel k12_add_relu (predict)
 *     %11 = add(%10, %3) : f32[B, 128]
 *     %12:h1 = relu(%11) : f32[B, 128]
 * </pre>
 * Sibling reductions, computed by the same kernel into buffers of their own, are marked {@code +};
 * a reduction's prologue {@code >}; values recomputed from their operands instead of loaded {@code ~};
 * a convolution's pooling epilogue {@code <}.
 */
public final class PlanPrinter {
    private PlanPrinter() {}

    public static String print(KernelPlan plan) {
        StringBuilder sb = new StringBuilder();
        for (Kernel k : plan.kernels()) {
            sb.append("kernel ").append(k.name()).append(" (").append(k.phase().name().toLowerCase()).append(")\n");
            for (int id : k.recomputed()) sb.append("  ~ ").append(IrPrinter.line(plan.graph().node(id))).append('\n');
            for (int id : k.prologue()) sb.append("  > ").append(IrPrinter.line(plan.graph().node(id))).append('\n');
            for (int id : k.nodes()) sb.append("    ").append(IrPrinter.line(plan.graph().node(id))).append('\n');
            for (int id : k.pooled()) sb.append("  < ").append(IrPrinter.line(plan.graph().node(id))).append('\n');
            for (int id : k.siblings()) sb.append("  + ").append(IrPrinter.line(plan.graph().node(id))).append('\n');
        }
        return sb.toString();
    }
}
