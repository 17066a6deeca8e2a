package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.codegen.cuda.LaunchSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * NVRTC really compiles every kernel of every example model with a train block (the fused plans
 * the backend runs) for sm_80 and sm_90, without errors or warnings; ptxas then reports
 * (NVRTC's own ptxas, {@code --ptxas-options=-v}) registers, shared memory and spills per kernel,
 * and any local-memory spill fails the test.
 * The table goes to codegen-cuda/target/ptxas-report.txt.
 */
class NvrtcCompileTest {
    static final List<String> ARCHS = List.of("80", "90");

    @Test
    void everyExampleKernelCompilesWithoutWarningsAndWithoutSpills() throws Exception {
        Optional<Nvrtc> loaded = RedistNvrtc.load();
        Assumptions.assumeTrue(loaded.isPresent(), "no NVRTC for this platform");
        Nvrtc nvrtc = loaded.get();
        // the fused plans are what the backend runs; unfused ones only repeat the same kernel kinds.
        // Programs compile in parallel (NVRTC programs are independent), results are checked in order.
        record Job(CudaProgram program, String arch) {}
        List<Job> jobs = new ArrayList<>();
        for (CudaExamples.Trained model : CudaExamples.all()) {
            CudaProgram program = model.program(true);
            for (String arch : ARCHS) jobs.add(new Job(program, arch));
        }
        List<Nvrtc.Result> results = jobs.parallelStream().map(j -> nvrtc.compile(j.program().source(), j.program().sourceName(),
                List.of("--gpu-architecture=sm_" + j.arch(), "--std=c++17", "--ptxas-options=-v"))).toList();
        List<PtxasReport.Row> rows = new ArrayList<>();
        int kernels = 0;
        for (int i = 0; i < jobs.size(); i++) {
            CudaProgram program = jobs.get(i).program();
            Nvrtc.Result r = results.get(i);
            // a real architecture: NVRTC runs ptxas itself and logs its resource usage
            String where = program.sourceName() + " for sm_" + jobs.get(i).arch();
            if (!r.success()) fail(where + " does not compile:\n" + r.log());
            // everything but ptxas's resource lines is a complaint (NVRTC warnings, ptxas warnings)
            List<String> complaints = r.log().lines().filter(l -> !l.isBlank()
                    && (!l.startsWith("ptxas") || l.toLowerCase(java.util.Locale.ROOT).matches(".*(warning|error).*"))).toList();
            assertTrue(complaints.isEmpty(), where + ": NVRTC reports\n" + String.join("\n", complaints));
            assertTrue(r.code().length > 0, where + ": empty CUBIN");
            List<PtxasReport.Row> found = PtxasReport.parse(r.log(), program.sourceName());
            for (LaunchSpec l : program.manifest().launches())
                assertTrue(found.stream().anyMatch(row -> row.function().equals(l.function())), where + ": no ptxas line for " + l.function());
            rows.addAll(found);
            kernels += program.manifest().launches().size();
        }
        assertTrue(kernels > 100, "compiled only " + kernels + " kernels");
        Path report = CudaExamples.root().resolve("codegen-cuda/target/ptxas-report.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, "NVRTC " + nvrtc.version() + " (" + nvrtc.library() + "), --ptxas-options=-v\n" + PtxasReport.table(rows));
        System.out.println("NVRTC " + nvrtc.version() + " compiled " + kernels + " kernels; ptxas report: " + report);
        List<PtxasReport.Row> spilling = rows.stream().filter(PtxasReport.Row::spills).toList();
        assertTrue(spilling.isEmpty(), "kernels spill to local memory:\n" + PtxasReport.table(spilling));
    }
    /**
     * The GEMM paths the examples' compile above does not take: {@code --precision tf32} (WMMA with the
     * toolkit's mma.h) for sm_80 and sm_90, and FP32 for sm_75, where tiles are staged through registers
     * (float4) instead of cp.async. Without warnings or spills, and every GEMM kernel's static shared
     * memory is what GemmTiling (and so {@code netc fusion --target cuda}) reports.
     */
    @Test
    void tf32AndPreAmpereGemmsCompileWithTheReportedSharedMemory() throws Exception {
        Optional<Nvrtc> loaded = RedistNvrtc.load();
        Assumptions.assumeTrue(loaded.isPresent(), "no NVRTC for this platform");
        Assumptions.assumeTrue(CudaBackend.toolkitInclude().isPresent(), "no CUDA toolkit mma.h for the TF32 path");
        Nvrtc nvrtc = loaded.get();
        List<CudaExamples.Trained> models = List.of(CudaExamples.named("mnist_cnn"),
                CudaExamples.trained(Path.of("src/test/resources/models/gemm_shapes.net")).getFirst());
        record Job(CudaProgram program, String arch) {}
        List<Job> jobs = new ArrayList<>();
        for (CudaExamples.Trained m : models) {
            CudaProgram tf32 = CudaBackend.generate(m.compilation(true), m.name() + "_tf32", GemmTiling.Precision.TF32);
            jobs.add(new Job(tf32, "sm_80"));
            jobs.add(new Job(tf32, "sm_90"));
            jobs.add(new Job(CudaBackend.generate(m.compilation(true), m.name()), "sm_75"));
        }
        int gemms = 0;
        for (Job j : jobs.parallelStream().toList()) {
            List<String> options = new ArrayList<>(CudaBackend.options(j.arch(), j.program()));
            options.add("--ptxas-options=-v");
            Nvrtc.Result r = nvrtc.compile(j.program().source(), j.program().sourceName(), options);
            String where = j.program().sourceName() + " for " + j.arch();
            if (!r.success()) fail(where + " does not compile:\n" + r.log());
            List<String> complaints = r.log().lines().filter(l -> !l.isBlank()
                    && (!l.startsWith("ptxas") || l.toLowerCase(java.util.Locale.ROOT).matches(".*(warning|error).*"))).toList();
            assertTrue(complaints.isEmpty(), where + ": NVRTC reports\n" + String.join("\n", complaints));
            List<PtxasReport.Row> rows = PtxasReport.parse(r.log(), j.program().sourceName());
            assertTrue(rows.stream().noneMatch(PtxasReport.Row::spills), where + " spills:\n" + PtxasReport.table(rows));
            for (var e : j.program().tilings().entrySet()) {
                PtxasReport.Row row = rows.stream().filter(x -> x.function().equals(e.getKey())).findFirst()
                        .orElseThrow(() -> new AssertionError(where + ": no ptxas line for " + e.getKey()));
                assertEquals(e.getValue().sharedBytes(), row.sharedBytes(), where + " " + e.getKey() + " static shared memory");
                gemms++;
            }
        }
        assertTrue(gemms > 20, "checked only " + gemms + " GEMM kernels");
    }
}
