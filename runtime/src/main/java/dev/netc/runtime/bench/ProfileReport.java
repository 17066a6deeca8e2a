package dev.netc.runtime.bench;

import dev.netc.ir.plan.FusionReport;
import dev.netc.kernels.MachinePeaks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text and JSON of a {@link KernelProfile}: one row per kernel, slowest first, with its roofline place. */
final class ProfileReport {
    private ProfileReport() {}

    /**
     * @param machine the CPU's measured peaks, or null on a GPU (whose peaks netc does not measure): then
     *                no percentages
     */
    static String table(String build, KernelProfile p, MachinePeaks machine) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "profile of the %s build: %d times one %s, %.3f ms each, kernels slowest first%s%n",
                build, p.steps(), p.pass(), p.stepNanos() / 1e6, machine == null ? " (each launch waited for: launch overhead included)" : ""));
        sb.append(String.format(Locale.ROOT, "%-38s %-8s %8s %6s %8s %6s %10s %10s %8s %6s %8s %6s%n", "kernel", "phase", "ms", "share", "median", "(%pk)",
                "MFLOP", "bytes", "GFLOP/s", "%peak", "GB/s", "%bw"));
        List<KernelProfile.Entry> sorted = new ArrayList<>(p.entries());
        sorted.sort((a, b) -> Double.compare(b.nanosPerStep(), a.nanosPerStep()));
        for (KernelProfile.Entry e : sorted) {
            sb.append(String.format(Locale.ROOT, "%-38s %-8s %8.3f %5.1f%% %8.3f %6s %10.2f %10s %8.1f %6s %8.1f %6s%n",
                    e.updates().isEmpty() ? e.kernel() : e.kernel() + "+update", e.phase(), e.nanosPerStep() / 1e6, 100 * e.nanosPerStep() / p.stepNanos(), e.medianNanos() / 1e6,
                    percent(e.medianGflops(), machine == null ? 0 : machine.fmaGflops()), e.flops() / 1e6,
                    FusionReport.bytes(e.bytes()), e.gflops(), percent(e.gflops(), machine == null ? 0 : machine.fmaGflops()), e.gbps(),
                    percent(e.gbps(), machine == null ? 0 : machine.memGbps())));
        }
        if (machine == null) {
            sb.append(String.format(Locale.ROOT, "%s: %.1f GFLOP/s%n", p.pass(), p.stepFlops() / p.stepNanos()));
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "%s: %.1f GFLOP/s = %.1f%% of the FMA peak (%.0f GFLOP/s); memory %.1f GB/s peak%n",
                p.pass(), p.stepFlops() / p.stepNanos(), 100 * p.stepFlops() / p.stepNanos() / machine.fmaGflops(), machine.fmaGflops(),
                machine.memGbps()));
        return sb.toString();
    }

    private static String percent(double rate, double peak) {
        return peak > 0 ? String.format(Locale.ROOT, "%5.1f%%", 100 * rate / peak) : "-";
    }

    static Map<String, Object> json(KernelProfile p) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("pass", p.pass());
        root.put("steps", p.steps());
        root.put("step_ms", BenchReport.finite(p.stepNanos() / 1e6));
        List<Map<String, Object>> kernels = new ArrayList<>();
        for (KernelProfile.Entry e : p.entries()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("kernel", e.kernel());
            k.put("phase", e.phase());
            if (!e.updates().isEmpty()) k.put("updates", e.updates());
            k.put("ms_per_step", BenchReport.finite(e.nanosPerStep() / 1e6));
            k.put("median_ms_per_step", BenchReport.finite(e.medianNanos() / 1e6));
            k.put("flops", e.flops());
            k.put("bytes", e.bytes());
            k.put("gflops", BenchReport.finite(e.gflops()));
            k.put("median_gflops", BenchReport.finite(e.medianGflops()));
            k.put("gbps", BenchReport.finite(e.gbps()));
            kernels.add(k);
        }
        root.put("kernels", kernels);
        return root;
    }
}
