package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.codegen.cuda.CudaProgram;
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
}
