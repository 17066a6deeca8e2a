package dev.netc.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CudaAvailabilityTest {
    @Test
    void findsLoadableLibrariesAndNotMissingOnes() {
        assertTrue(CudaAvailability.loadable(List.of("libnetc-no-such-library.so.1", "libc.so.6"), Optional.empty()),
                "the C library is always there on Linux");
        assertFalse(CudaAvailability.loadable(List.of("libnetc-no-such-library.so.1"), Optional.of(Path.of("/nonexistent"))));
    }

    @Test
    void aProblemNamesTheMissingLibrary() {
        Optional<String> problem = CudaAvailability.problem();
        problem.ifPresent(p -> assertTrue(p.contains("libcuda.so.1") || p.contains("libnvrtc"), p));
        problem.ifPresent(p -> assertTrue(p.contains(CudaAvailability.LIB_DIR_VARIABLE), p));
    }
}
