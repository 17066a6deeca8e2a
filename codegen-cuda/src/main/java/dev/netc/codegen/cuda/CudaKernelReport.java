package dev.netc.codegen.cuda;

import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.Flops;
import dev.netc.ir.plan.FusionReport;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.Traffic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text of {@code netc fusion --target cuda}: every launch of the CUDA program with its grid,
 * threads, static shared memory and GEMM tiling (tile, split-K and why), and per plan kernel its
 * FLOPs and bytes (the same models as {@code netc fusion}) and which roofline bound applies on an
 * assumed GPU. Registers are known only after compiling for a real device, so they are not given.
 */
public final class CudaKernelReport {
    private CudaKernelReport() {}

    /**
     * Datasheet peaks a report assumes (dense, no sparsity); nothing here is measured.
     *
     * @param fp32Flops FP32 on the CUDA cores, per second
     * @param tf32Flops TF32 on the tensor cores, per second
     * @param bandwidth device memory bytes per second
     */
    public record Gpu(String name, double fp32Flops, double tf32Flops, double bandwidth) {
        public static final Map<String, Gpu> KNOWN = Map.of(
                "h100", new Gpu("H100 SXM", 67e12, 494.7e12, 3.35e12),
                "h200", new Gpu("H200 SXM", 67e12, 494.7e12, 4.8e12),
                "a100", new Gpu("A100 SXM 80GB", 19.5e12, 156e12, 2.039e12));

        /** A GPU by its short name (h100, h200, a100). */
        public static Gpu named(String name) {
            Gpu g = KNOWN.get(name.toLowerCase(Locale.ROOT));
            if (g == null) throw new IllegalArgumentException("unknown GPU '" + name + "' (known: " + String.join(", ", KNOWN.keySet().stream().sorted().toList()) + ")");
            return g;
        }

        String assumption() {
            return String.format(Locale.ROOT, "%s: %.1f TFLOP/s FP32 (CUDA cores), %.1f TFLOP/s TF32 (tensor cores, dense), %.2f TB/s"
                    + " (datasheet figures, assumed, not measured)", name, fp32Flops / 1e12, tf32Flops / 1e12, bandwidth / 1e12);
        }
    }

    /**
     * Renders the report at a batch size.
     *
     * @param title first line, e.g. "mnist_cnn (fused)"
     */
    public static String render(String title, Compilation compilation, CudaProgram program, Gpu gpu, int batch) {
        List<Kernel> kernels = compilation.plan().kernels();
        List<Long> flops = Flops.of(compilation.plan(), batch);
        List<Traffic.KernelTraffic> traffic = Traffic.of(compilation.plan(), batch);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < kernels.size(); i++) index.put(kernels.get(i).name(), i);
        boolean tf32 = program.tilings().values().stream().anyMatch(t -> t.precision() == GemmTiling.Precision.TF32);

        StringBuilder sb = new StringBuilder();
        sb.append("CUDA kernels of ").append(title).append(" at batch ").append(batch).append(", GEMM precision ")
                .append(tf32 ? "tf32" : "fp32").append('\n');
        sb.append("GPU assumed: ").append(gpu.assumption()).append('\n');
        sb.append("registers: needs a GPU (ptxas assigns them when compiling for a device; not estimated here)\n");
        sb.append("FLOPs and bytes: netc's models of each plan kernel (as in `netc fusion`), plus split-K workspace traffic;"
                + " bound: compute when FLOPs / bytes exceed the GPU's ridge point\n\n");

        Map<String, List<LaunchSpec>> byKernel = new LinkedHashMap<>();
        for (LaunchSpec l : program.manifest().launches()) byKernel.computeIfAbsent(l.planKernel(), x -> new java.util.ArrayList<>()).add(l);
        long totalFlops = 0, totalBytes = 0;
        int launches = 0;
        for (var e : byKernel.entrySet()) {
            Integer i = index.get(e.getKey());
            GemmTiling t = program.tilings().get(e.getKey());
            long f = i == null ? 0 : flops.get(i);
            long bytes = i == null ? 0 : traffic.get(i).total();
            if (t != null && t.splitK()) bytes += 2 * 4 * GemmTiling.at(t.workspaceCount(), batch);  // written once, read once
            if (i == null) {
                // the optimizer's launches: one pass over parameters, gradients and state
                bytes = e.getValue().stream().mapToLong(l -> updateBytes(program.manifest(), l, batch)).sum();
            }
            double peak = t != null && t.precision() == GemmTiling.Precision.TF32 ? gpu.tf32Flops() : gpu.fp32Flops();
            String phase = e.getValue().getFirst().phase();
            sb.append(String.format(Locale.ROOT, "kernel %s (%s): %s, %s", e.getKey(), phase, flopText(f), FusionReport.bytes(bytes)));
            if (bytes > 0) {
                double intensity = (double) f / bytes, ridge = peak / gpu.bandwidth();
                sb.append(String.format(Locale.ROOT, ", %.2f FLOP/B: %s-bound (ridge %.1f FLOP/B)", intensity,
                        intensity > ridge ? "compute" : "memory", ridge));
            }
            sb.append('\n');
            for (LaunchSpec l : e.getValue()) {
                boolean gemmMain = t != null && l.function().equals(e.getKey());
                List<Long> grid = l.grid().stream().map(g -> SizeFormula.eval(g, batch)).toList();
                int shared = gemmMain ? t.sharedBytes() : 0;
                sb.append(String.format(Locale.ROOT, "  launch %-44s grid %s x %s x %s (%d blocks), %d threads, shared %s", l.function(),
                        grid.get(0), grid.get(1), grid.get(2), grid.get(0) * grid.get(1) * grid.get(2), l.threadsPerBlock(),
                        FusionReport.bytes(shared)));
                if (gemmMain) sb.append(String.format(Locale.ROOT, "%n      tile %d x %d x %d, %s; %s", t.bm(), t.bn(), GemmTiling.BK,
                        t.splitK() ? "split-K " + t.splits() + " (workspace " + FusionReport.bytes(4 * GemmTiling.at(t.workspaceCount(), batch))
                                + ", summed in slice order by the next launch)" : "no split-K", t.reason()));
                sb.append('\n');
                launches++;
            }
            totalFlops += f;
            totalBytes += bytes;
        }
        sb.append(String.format(Locale.ROOT, "%ntotal: %d launches, %s, %s per step%n", launches, flopText(totalFlops), FusionReport.bytes(totalBytes)));
        return sb.toString();
    }

    /** An update launch reads and writes each of its buffers once. */
    private static long updateBytes(CudaManifest m, LaunchSpec l, int batch) {
        long bytes = 0;
        for (String a : l.args()) {
            if (LaunchSpec.SCALARS.contains(a)) continue;
            bytes += 4 * SizeFormula.eval(m.buffer(a).count(), batch);
        }
        return 2 * bytes;
    }

    private static String flopText(long f) {
        if (f < 1_000_000) return f + " FLOP";
        if (f < 1_000_000_000) return String.format(Locale.ROOT, "%.1f MFLOP", f / 1e6);
        return String.format(Locale.ROOT, "%.2f GFLOP", f / 1e9);
    }
}
