package dev.netc.runtime.cuda;

import dev.netc.codegen.cuda.SizeFormula;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.cuda.BufferSpec;
import dev.netc.codegen.cuda.CudaManifest;
import dev.netc.codegen.cuda.CudaProgram;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The host side of the CUDA backend that needs no GPU: manifests, size formulas, missing libraries. */
class CudaHostSideTest {

    @Test
    void manifestSurvivesJson() throws Exception {
        CudaProgram p = CudaExamples.named("mnist_cnn").program(true);
        CudaManifest back = ManifestReader.parse(p.manifest().toJson());
        assertEquals(p.manifest(), back);
        BufferSpec x = back.bufferNamed("x").orElseThrow();
        assertEquals(7 * 784, SizeFormula.eval(x.count(), 7));
    }

    @Test
    void sizeFormulasAreCIntegerArithmetic() {
        assertEquals(4, SizeFormula.eval("(batch * 784 + 255) / 256", 1));
        assertEquals(1 + 2 * 3, SizeFormula.eval("1 + 2 * 3", 5));
        assertEquals(10 - 6 / 4, SizeFormula.eval("10 - 6 / 4", 5));
        assertEquals(6 * 7 * 7, SizeFormula.eval("batch * batch * 6", 7));
        assertThrows(IllegalArgumentException.class, () -> SizeFormula.eval("batch +", 1));
    }

    @Test
    void withoutADriverLoadingNamesTheMissingLibrary() {
        Assumptions.assumeTrue(CudaAvailability.problem().isPresent(), "this machine has CUDA");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, CudaDriver::load);
        assertTrue(e.getMessage().contains("libcuda.so.1") || e.getMessage().contains("cuInit"), e.getMessage());
        assertTrue(e.getMessage().contains(CudaAvailability.LIB_DIR_VARIABLE) || e.getMessage().contains("GPU"), e.getMessage());
    }
}
