package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.cuda.BufferSpec;
import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaKernelReport;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.codegen.cuda.LaunchSpec;
import dev.netc.codegen.cuda.SizeFormula;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The GEMM tile and split-K choice the generator prints into the kernels, the workspace it plans,
 * and {@code netc fusion --target cuda}'s report of them (no GPU or simulator needed).
 */
class GemmTilingTest {
    private static final SizeExpr BATCH = new SizeExpr(1, 1);

    private static SizeExpr known(long n) { return new SizeExpr(n, 0); }

    @Test
    void longKWithFewOutputTilesSplitsAlongK() {
        // conv1's backward-filter GEMM of the MNIST CNN: 32 filters x 25 taps, k = 784 per image
        GemmTiling t = GemmTiling.choose(known(32), known(25), BATCH.times(known(784)), true, false, GemmTiling.Precision.FP32);
        assertEquals(32, t.bm());
        assertEquals(32, t.bn());
        assertEquals(GemmTiling.MAX_SPLITS, t.splits(), t.reason());
        assertEquals(Long.toString(GemmTiling.MAX_SPLITS * 32 * 25), t.workspaceCount().toString());
    }

    @Test
    void manyOutputTilesOrShortKAreNotSplit() {
        // the dense backward-filter GEMM 3136 x 1024 with k = batch: 784 tiles already
        GemmTiling wide = GemmTiling.choose(known(3136), known(1024), BATCH, false, true, GemmTiling.Precision.FP32);
        assertEquals(64, wide.bm());
        assertEquals(64, wide.bn());
        assertFalse(wide.splitK(), wide.reason());
        assertTrue(wide.reason().contains("fill the GPU"), wide.reason());
        // one tile but k = 300: shorter than two slices of MIN_K_PER_SPLIT
        GemmTiling shortK = GemmTiling.choose(BATCH, known(10), known(300), true, true, GemmTiling.Precision.FP32);
        assertFalse(shortK.splitK(), shortK.reason());
        assertEquals(32, shortK.bn());
    }

    @Test
    void splitCountIsBoundedByTheTargetAndByK() {
        // 16 tiles: 264 / 16 = 16 slices would fill the target, k = 3136 holds 12 slices of 256
        GemmTiling t = GemmTiling.choose(BATCH, known(1024), known(3136), true, true, GemmTiling.Precision.FP32);
        assertEquals(12, t.splits(), t.reason());
        assertEquals("batch * 12288", t.workspaceCount().toString(), "12 slices of batch x 1024: the workspace grows with the batch");
    }

    @Test
    void sharedMemoryFollowsTheTileLayout() {
        // two stages of A (64 x (16 + 4)) and B (16 x (64 + 4)) floats
        GemmTiling t = GemmTiling.choose(known(4096), known(4096), known(4096), true, true, GemmTiling.Precision.FP32);
        assertEquals(4 * 2 * (64 * 20 + 16 * 68), t.sharedBytes());
        GemmTiling tf32 = GemmTiling.choose(known(4096), known(4096), known(4096), true, true, GemmTiling.Precision.TF32);
        assertEquals(t.sharedBytes() + 4 * 64 * 68, tf32.sharedBytes(), "TF32 stages its output tile in shared memory");
        assertTrue(tf32.sharedBytes() <= 48 * 1024, "static shared memory is limited to 48 KiB");
    }

    @Test
    void splitGemmsGetAWorkspaceAndASumLaunchInTheManifest() {
        CudaExamples.Trained t = CudaExamples.named("mnist_cnn");
        CudaProgram p = CudaCodegen.generate(t.compilation(true), t.name());
        List<BufferSpec> workspaces = p.manifest().buffers().stream().filter(b -> b.kind() == BufferSpec.Kind.WORKSPACE).toList();
        assertFalse(workspaces.isEmpty());
        for (BufferSpec w : workspaces) {
            List<LaunchSpec> users = p.manifest().launches().stream().filter(l -> l.args().contains(w.name())).toList();
            assertEquals(2, users.size(), w.name() + " is written by the partial products and read by their sum");
            assertTrue(users.get(1).function().endsWith("_splitk_sum"), users.get(1).function());
            assertEquals(users.get(0).phase(), users.get(1).phase());
            GemmTiling tiling = p.tilings().get(users.get(0).planKernel());
            assertEquals(Integer.toString(tiling.splits()), users.get(0).grid().get(2), "grid z runs one block row per k slice");
            assertEquals(tiling.splits() * GemmTiling.at(tiling.m(), 5) * GemmTiling.at(tiling.n(), 5), SizeFormula.eval(w.count(), 5));
        }
        assertTrue(p.source().contains("netc::gemm_split_partial<true, false, Tile, " + GemmTiling.MAX_SPLITS + ">"),
                "conv1's backward filter splits the most ways");
    }

    @Test
    void fusionReportForCudaNamesTheChoicesAndTheAssumptions() {
        CudaExamples.Trained t = CudaExamples.named("mnist_cnn");
        var c = t.compilation(true);
        String report = CudaKernelReport.render("mnist_cnn (fused)", c, CudaCodegen.generate(c, t.name()), CudaKernelReport.Gpu.named("h100"), 64);
        assertTrue(report.contains("H100 SXM: 67.0 TFLOP/s FP32"), report);
        assertTrue(report.contains("3.35 TB/s"), report);
        assertTrue(report.contains("registers: needs a GPU"), report);
        assertTrue(report.contains("tile 32 x 32 x 16, split-K " + GemmTiling.MAX_SPLITS), report);
        assertTrue(report.contains("grid 1 x 1 x 128 (128 blocks), 256 threads"), report);
        assertTrue(report.contains("-bound"), report);
        // every launch of the program has a line
        CudaProgram p = CudaCodegen.generate(c, t.name());
        for (LaunchSpec l : p.manifest().launches()) assertTrue(report.contains("launch " + l.function() + " "), l.function());
        assertTrue(report.contains("compute-bound") && report.contains("memory-bound"), "both bounds occur in a CNN step:\n" + report);
    }

    @Test
    void gemmShapesModelExercisesBothCopyPathsAndSplitK() {
        CudaExamples.Trained t = CudaExamples.trained(Path.of("src/test/resources/models/gemm_shapes.net")).getFirst();
        CudaProgram p = t.program(true);
        assertTrue(p.tilings().values().stream().filter(GemmTiling::splitK).count() >= 2, p.tilings().toString());
        assertTrue(p.source().contains("netc::Dense<"), "matmul operands are passed as plain arrays");
    }
}
