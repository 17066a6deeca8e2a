package dev.netc.ir.plan;

import dev.netc.ir.Graph;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Node;
import java.util.List;
import java.util.Locale;

/**
 * The text of {@code netc fusion}: every kernel with the IR nodes it covers and its bytes read and
 * written per step, then every fusion candidate that was rejected and why, then the memory plan.
 */
public final class FusionReport {
    private FusionReport() {}

    /**
     * Renders a plan report at the compilation's planning batch.
     *
     * @param title       first line, e.g. "mnist_cnn (fused)"
     * @param compilation the plan, its rejected candidates (none for an unfused plan) and its memory plan
     */
    public static String render(String title, Compilation compilation) {
        FusionResult result = compilation.fusion();
        MemoryPlan m = compilation.memory();
        int batch = m.batch();
        KernelPlan plan = result.plan();
        Graph g = plan.graph();
        List<Traffic.KernelTraffic> traffic = Traffic.of(plan, batch);
        StringBuilder sb = new StringBuilder();
        long computed = plan.kernels().stream().mapToLong(k -> k.allNodes().size()).sum();
        long views = plan.kernels().stream().filter(k -> Traffic.isView(g, k)).count();
        sb.append("plan ").append(title).append(": ").append(plan.kernels().size() - views).append(" kernels");
        if (views > 0) sb.append(" and ").append(views).append(views == 1 ? " view" : " views").append(" (reshapes: no code)");
        sb.append(" covering ").append(computed).append(" nodes; bytes per step at batch ").append(batch).append("\n\n");
        long read = 0, written = 0;
        for (Traffic.KernelTraffic t : traffic) {
            Kernel k = t.kernel();
            sb.append(String.format(Locale.ROOT, "kernel %-34s %-8s read %10s  write %10s%n", k.name(),
                    k.phase().name().toLowerCase(Locale.ROOT), bytes(t.bytesRead()), bytes(t.bytesWritten())));
            for (int id : k.recomputed()) {
                if (g.node(id).op() instanceof dev.netc.ir.Op.MaxPoolGradIndexed) {
                    // owned by no kernel: each reader expands it where it loads dy (PoolFusion)
                    sb.append("  > ").append(IrPrinter.line(g.node(id))).append("   (prologue: expanded where the convolution loads dy, never stored: ")
                            .append(bytes(recomputationSaves(g, id, batch))).append(" less to read)\n");
                    continue;
                }
                sb.append("  ~ ").append(IrPrinter.line(g.node(id))).append("   (recomputed from its operands instead of loaded: ")
                        .append(bytes(recomputationSaves(g, id, batch))).append(" less to read)\n");
            }
            for (int id : k.prologue())
                sb.append("  > ").append(IrPrinter.line(g.node(id))).append("   (prologue: evaluated inside the reduction's loop)\n");
            for (int id : k.nodes()) sb.append("    ").append(IrPrinter.line(g.node(id))).append('\n');
            for (int id : k.pooled())
                sb.append("  < ").append(IrPrinter.line(g.node(id))).append(id != k.pooled().getFirst()
                        ? "   (pooling epilogue: the window position of each maximum, which the gradient reads instead of "
                                + g.node(k.root()).label() + ")"
                        : "   (pooling epilogue: pooled from each finished tile; " + g.node(k.root()).label() + ", "
                                + bytes(Traffic.bytes(g.node(k.root()), batch)) + ", is never written nor read back)").append('\n');
            for (int id : k.siblings())
                sb.append("  + ").append(IrPrinter.line(g.node(id))).append("   (sibling output: same pass over its operand)\n");
            if (Traffic.isView(g, k)) sb.append("    (a view of its operand: no code, no copy)\n");
            read += t.bytesRead();
            written += t.bytesWritten();
        }
        sb.append(String.format(Locale.ROOT, "%ntotal: read %s, write %s per step%n", bytes(read), bytes(written)));
        sb.append("\nnot fused (").append(result.rejected().size()).append(" candidates):\n");
        if (result.rejected().isEmpty()) sb.append("    (none)\n");
        for (FusionDecision d : result.rejected()) {
            Node n = g.node(d.node());
            sb.append("    ").append(n.label()).append(' ').append(n.op().mnemonic()).append(": ").append(d.reason()).append('\n');
        }
        if (compilation.fused() && compilation.trains()) {
            var updates = UpdateFusion.choose(plan);
            sb.append("\noptimizer update inside the gradient's product (Java, backwardAndUpdate; ").append(updates.size()).append("):\n");
            if (updates.isEmpty()) sb.append("    (none)\n");
            updates.forEach((k, p) -> sb.append("    ").append(((dev.netc.ir.Op.Parameter) g.node(p).op()).name()).append(" in ")
                    .append(k.name()).append(": each block of its gradient (").append(bytes(Traffic.bytes(g.node(k.root()), batch)))
                    .append(" in all) updates it while in cache, never written nor read back\n"));
        }
        sb.append(String.format(Locale.ROOT,
                "%nmemory at batch %d: peak %s = leaves %s + activations %s (%d buffers in %d slots by liveness;"
                        + " %s without reuse; live lower bound %s)%n",
                batch, bytes(m.peakBytes()), bytes(m.leafBytes()), bytes(m.arenaBytes()), m.buffers().size(),
                m.slots().size(), bytes(m.peakBytesWithoutReuse()), bytes(m.leafBytes() + m.peakLiveBytes())));
        return sb.toString();
    }

    /** Bytes a recomputation saves against loading the value: its size less what it loads instead. */
    private static long recomputationSaves(Graph g, int id, int batch) {
        long loads = 0;
        for (int in : FuseOps.loadedOperands(g.node(id)))
            if (!(g.node(in).op() instanceof dev.netc.ir.Op.Constant)) loads += Traffic.bytes(g.node(in), batch);
        return Traffic.bytes(g.node(id), batch) - loads;
    }

    /** "812 B", "3.1 KiB", "12.25 MiB". */
    public static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        if (n < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.2f MiB", n / (1024.0 * 1024));
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }
}
