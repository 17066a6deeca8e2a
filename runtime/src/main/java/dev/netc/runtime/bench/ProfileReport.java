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

    static String table(String build, KernelProfile p, MachinePeaks machine) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "profile of the %s build: %d training steps, %.2f ms per step, kernels slowest first%n",
                build, p.steps(), p.stepNanos() / 1e6));
        sb.append(String.format(Locale.ROOT, "%-38s %-8s %8s %6s %10s %10s %8s %6s %8s %6s%n", "kernel", "phase", "ms", "share",
                "MFLOP", "bytes", "GFLOP/s", "%peak", "GB/s", "%bw"));
        List<KernelProfile.Entry> sorted = new ArrayList<>(p.entries());
        sorted.sort((a, b) -> Double.compare(b.nanosPerStep(), a.nanosPerStep()));
        for (KernelProfile.Entry e : sorted) {
            sb.append(String.format(Locale.ROOT, "%-38s %-8s %8.3f %5.1f%% %10.2f %10s %8.1f %5.1f%% %8.1f %5.1f%%%n",
                    e.kernel(), e.phase(), e.nanosPerStep() / 1e6, 100 * e.nanosPerStep() / p.stepNanos(), e.flops() / 1e6,
                    FusionReport.bytes(e.bytes()), e.gflops(), 100 * e.gflops() / machine.fmaGflops(), e.gbps(),
                    100 * e.gbps() / machine.memGbps()));
        }
        sb.append(String.format(Locale.ROOT, "step: %.1f GFLOP/s = %.1f%% of the FMA peak (%.0f GFLOP/s); memory %.1f GB/s peak%n",
                p.stepFlops() / p.stepNanos(), 100 * p.stepFlops() / p.stepNanos() / machine.fmaGflops(), machine.fmaGflops(),
                machine.memGbps()));
        return sb.toString();
    }

    static Map<String, Object> json(KernelProfile p) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("steps", p.steps());
        root.put("step_ms", BenchReport.finite(p.stepNanos() / 1e6));
        List<Map<String, Object>> kernels = new ArrayList<>();
        for (KernelProfile.Entry e : p.entries()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("kernel", e.kernel());
            k.put("phase", e.phase());
            k.put("ms_per_step", BenchReport.finite(e.nanosPerStep() / 1e6));
            k.put("flops", e.flops());
            k.put("bytes", e.bytes());
            k.put("gflops", BenchReport.finite(e.gflops()));
            k.put("gbps", BenchReport.finite(e.gbps()));
            kernels.add(k);
        }
        root.put("kernels", kernels);
        return root;
    }
}
