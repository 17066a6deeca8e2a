package dev.netc.runtime.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.netc.ir.plan.FusionReport;
import dev.netc.kernels.Blocking;
import dev.netc.kernels.MachinePeaks;
import dev.netc.kernels.Vectors;
import dev.netc.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The table {@code netc bench} prints and the JSON it writes. The JSON nests one object per build,
 * so the dotted keys ({@code fused.train_images_per_s}, {@code unfused.peak_bytes}, ...) are
 * paths into it:
 * <pre>
 * {"model": "mnist_cnn", "batch": 50, "warmup_steps": 5, "steps": 20,
 *  "fused":   {"train_images_per_s": 812.4, "infer_images_per_s": 2510.0, "peak_bytes": 61234567, "kernels": 31, "bytes_per_step": 91000000, "cuda_launches_per_step": 33, ...},
 *  "unfused": {"train_images_per_s": 640.2, "infer_images_per_s": 1890.5, "peak_bytes": 71234567, "kernels": 46, ...},
 *  "ratio":   {"train": 1.27, "infer": 1.33, "peak_bytes": 0.86}}
 * </pre>
 */
public final class BenchReport {
    /** Threads' micro-kernel rates further apart than this (fastest over slowest) are reported as unequal cores. */
    static final double UNEQUAL_CORES = 1.10;

    private BenchReport() {}

    /** A fixed-width table: one row per measure, columns fused, unfused and fused/unfused. */
    public static String table(BenchResult r) {
        BenchResult.Variant f = r.fused(), u = r.unfused();
        StringBuilder sb = new StringBuilder();
        boolean cuda = r.options().backend().equals("cuda");
        sb.append(String.format(Locale.ROOT, "bench %s: batch %d, %d warm-up + %d timed steps per build"
                        + " (alternating in blocks of %d, median step), synthetic data, %s%n%n",
                r.model(), r.options().batch(), r.options().warmup(), r.options().steps(), ModelBench.TRAIN_BLOCK_STEPS,
                cuda ? "CUDA backend" : Runtime.getRuntime().availableProcessors() + " threads"));
        sb.append(String.format(Locale.ROOT, "%-22s %14s %14s %14s%n", "", "fused", "unfused", "fused/unfused"));
        sb.append(String.format(Locale.ROOT, "%-22s %14d %14d %14.2f%n", "kernels", f.kernels(), u.kernels(), (double) f.kernels() / u.kernels()));
        sb.append(String.format(Locale.ROOT, "%-22s %14s %14s %14.2f%n", "bytes per train step", FusionReport.bytes(f.bytesPerStep()),
                FusionReport.bytes(u.bytesPerStep()), (double) f.bytesPerStep() / u.bytesPerStep()));
        sb.append(String.format(Locale.ROOT, "%-22s %14d %14d %14.2f%n", "CUDA launches/step", f.cudaLaunches(), u.cudaLaunches(),
                (double) f.cudaLaunches() / u.cudaLaunches()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.1f %14.1f %14.2f%n", "train images/s", f.trainImagesPerS(), u.trainImagesPerS(), r.trainRatio()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.1f %14.1f %14.2f%n", "inference images/s", f.inferImagesPerS(), u.inferImagesPerS(), r.inferRatio()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.1f %14.1f %14.2f%n", "inference 1,000 img/s", f.infer1000ImagesPerS(),
                u.infer1000ImagesPerS(), f.infer1000ImagesPerS() / u.infer1000ImagesPerS()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.3f %14.3f %14.2f%n", "batch-1 latency ms", f.batch1LatencyMs(), u.batch1LatencyMs(),
                f.batch1LatencyMs() / u.batch1LatencyMs()));
        sb.append(String.format(Locale.ROOT, "%-22s %14s %14s %14.2f%n", "peak memory", FusionReport.bytes(f.peakBytes()),
                FusionReport.bytes(u.peakBytes()), r.peakRatio()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.1f %14.1f %14.2f%n", "train GFLOP/s", r.trainGflops(f), r.trainGflops(u),
                r.trainGflops(f) / r.trainGflops(u)));
        sb.append(String.format(Locale.ROOT, "%-22s %14s %14s%n", "heap alloc/train step", heap(f.heapBytesPerStep()),
                heap(u.heapBytesPerStep())));
        sb.append(String.format(Locale.ROOT, "%-22s %14.6f %14.6f%n", "first loss", f.firstLoss(), u.firstLoss()));
        sb.append(String.format(Locale.ROOT, "%-22s %14.6f %14.6f%n", "last loss", f.lastLoss(), u.lastLoss()));
        if (!cuda) // the CPU's peaks say nothing about a GPU's kernels
            sb.append(String.format(Locale.ROOT, "%nmachine: FMA peak %.0f GFLOP/s, memory %.1f GB/s (read + written; measured now, %d threads);"
                            + " fused training runs %.1f MFLOP per example at %.0f%% of the FMA peak%n",
                    r.machine().fmaGflops(), r.machine().memGbps(), Runtime.getRuntime().availableProcessors(),
                    r.flopsPerImage(f) / 1e6, 100 * r.trainGflops(f) / r.machine().fmaGflops()));
        if (!cuda) {
            sb.append(String.format(Locale.ROOT, "caches: %s; %d-float vectors, %s%n", Blocking.machine().caches(),
                    Vectors.LANES, Blocking.machine().describe()));
            sb.append(hostLine(r.machine()));
        }
        if (r.profile() != null) sb.append('\n').append(ProfileReport.table("fused", r.profile(), cuda ? null : r.machine()));
        if (r.unfusedProfile() != null) sb.append('\n').append(ProfileReport.table("unfused", r.unfusedProfile(), cuda ? null : r.machine()));
        for (KernelProfile p : r.inferenceProfiles()) sb.append('\n').append(ProfileReport.table("fused", p, cuda ? null : r.machine()));
        return sb.toString();
    }

    /**
     * Each thread's GEMM micro-kernel rate and the load average at the start: where the cores are unequal (a virtual
     * machine's vCPUs can be) or busy, every kernel split evenly waits for the slowest, and the figures above vary
     * run to run.
     */
    static String hostLine(MachinePeaks m) {
        StringBuilder sb = new StringBuilder("host: GEMM micro-kernel per thread");
        for (double g : m.threadGemmGflops()) sb.append(String.format(Locale.ROOT, " %.0f", g));
        sb.append(" GFLOP/s");
        // a load average left by the previous command decays over a minute: printed, not judged
        if (m.loadAverage() >= 0) sb.append(String.format(Locale.ROOT, ", load average %.2f at start", m.loadAverage()));
        sb.append(hugePages() ? ", heap on transparent huge pages" : ", heap without -XX:+UseTransparentHugePages");
        if (m.threadSpread() > UNEQUAL_CORES) {
            sb.append(String.format(Locale.ROOT, "; cores unequal (fastest %.2fx the slowest): timings vary with the host", m.threadSpread()));
        }
        return sb.append('\n').toString();
    }

    /**
     * Whether this JVM was asked to put its heap on transparent huge pages (./netc asks where the OS grants them on
     * request; a later -XX:-UseTransparentHugePages in NETC_JAVA_OPTS wins): on a busy host the big GEMMs ran 5-15%
     * faster there, so figures with and without them are not comparable.
     */
    static boolean hugePages() {
        boolean on = false;
        for (String option : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.equals("-XX:+UseTransparentHugePages")) on = true;
            if (option.equals("-XX:-UseTransparentHugePages")) on = false;
        }
        return on;
    }

    /** The JSON document (see the class comment), pretty-printed. */
    public static String json(BenchResult r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", r.model());
        root.put("batch", r.options().batch());
        root.put("warmup_steps", r.options().warmup());
        root.put("steps", r.options().steps());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("fma_peak_gflops", finite(r.machine().fmaGflops()));
        machine.put("mem_gbps", finite(r.machine().memGbps()));
        machine.put("threads", Runtime.getRuntime().availableProcessors());
        machine.put("gemm_gflops_per_thread", r.machine().threadGemmGflops().stream().map(BenchReport::finite).toList());
        machine.put("load_average", finite(r.machine().loadAverage()));
        machine.put("huge_pages", hugePages());
        Blocking blocking = Blocking.machine(); // what the kernels sized their blocks from, and the blocks
        machine.put("l1d_bytes", blocking.caches().l1dBytes());
        machine.put("l2_bytes", blocking.caches().l2Bytes());
        machine.put("l3_bytes", blocking.caches().l3Bytes());
        machine.put("cache_source", blocking.caches().source());
        machine.put("vector_floats", Vectors.LANES);
        machine.put("gemm_kc", blocking.kc());
        machine.put("gemm_mc", blocking.mc());
        root.put("machine", machine);
        root.put("fused", variant(r, r.fused()));
        root.put("unfused", variant(r, r.unfused()));
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("train", finite(r.trainRatio()));
        ratio.put("infer", finite(r.inferRatio()));
        ratio.put("peak_bytes", finite(r.peakRatio()));
        root.put("ratio", ratio);
        if (r.profile() != null) root.put("profile", ProfileReport.json(r.profile()));
        if (r.unfusedProfile() != null) root.put("profile_unfused", ProfileReport.json(r.unfusedProfile()));
        if (!r.inferenceProfiles().isEmpty())
            root.put("profile_inference", r.inferenceProfiles().stream().map(ProfileReport::json).toList());
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot render bench JSON", e);
        }
    }

    /** Writes {@link #json} to {@code target} atomically (temp file, then rename). */
    public static void writeJson(Path target, BenchResult r) throws IOException {
        AtomicFiles.write(target, json(r).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> variant(BenchResult r, BenchResult.Variant v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train_gflops", finite(r.trainGflops(v)));
        m.put("flops_per_image", finite(r.flopsPerImage(v)));
        m.put("train_images_per_s", finite(v.trainImagesPerS()));
        m.put("infer_images_per_s", finite(v.inferImagesPerS()));
        m.put("infer_1000_images_per_s", finite(v.infer1000ImagesPerS()));
        m.put("batch1_latency_ms", finite(v.batch1LatencyMs()));
        m.put("peak_bytes", v.peakBytes());
        m.put("kernels", v.kernels());
        m.put("bytes_per_step", v.bytesPerStep());
        m.put("cuda_launches_per_step", v.cudaLaunches());
        m.put("heap_bytes_per_step", v.heapBytesPerStep() < 0 ? null : v.heapBytesPerStep());
        m.put("first_loss", finite(v.firstLoss()));
        m.put("last_loss", finite(v.lastLoss()));
        return m;
    }

    private static String heap(long bytes) {
        return bytes < 0 ? "n/a" : FusionReport.bytes(bytes);
    }

    /** JSON has no NaN or infinity: those become null. */
    static Double finite(double v) { return Double.isFinite(v) ? v : null; }
}
