package dev.netc.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The GEMM template alone under host emulation, on sizes off the tile (M = 37, N = 70, K = 100: seven
 * k steps through the cp.async double buffer, 16-byte copies, partial tiles): FP32 matches a plain
 * triple loop, both a 32 x 64 tile with Dense operands and netc::gemm's default tile with lambdas;
 * TF32 (the WMMA stand-ins) stays within TF32 rounding of it but is not equal; and the emulated cp.async really defers copies to their wait: the same template with the wait for the
 * current step removed computes wrong products. That last check is what makes the simulator's
 * agreement with the Java backend say something about the double buffering.
 */
class EmulatedGemmTest {
    private static final String HARNESS = """
            #include <cmath>
            #include <cstdio>
            #include <cstdlib>
            #include <string>
            #include <vector>
            #include "netc_prelude.cuh"
            #include "netc_gemm.cuh"
            template <class Tile>
            __global__ void mm(int M, int N, int K, const float* a, const float* b, float* c) {
                netc::gemm_tiled<true, true, Tile>(M, N, K, netc::Dense<true>{a, K}, netc::Dense<true>{b, N},
                    [&](int m, int n, float acc) { c[m * N + n] = acc; });
            }
            // the entry point with the default tile, as callers that predate GemmTile use it
            __global__ void mm_default(int M, int N, int K, const float* a, const float* b, float* c) {
                netc::gemm<true, true>(M, N, K, [&](int m, int k) { return a[m * K + k]; }, [&](int k, int n) { return b[k * N + n]; },
                    [&](int m, int n, float acc) { c[m * N + n] = acc; });
            }
            int main(int argc, char** argv) {
                const std::string mode = argc > 1 ? argv[1] : "fp32";
                const bool tf32 = mode == "tf32";
                const int M = 37, N = 70, K = 100;
                std::vector<float> a(M * K), b(K * N), c(M * N), ref(M * N);
                for (int i = 0; i < M * K; i++) a[i] = std::sin(i * 0.37f);
                for (int i = 0; i < K * N; i++) b[i] = std::cos(i * 0.11f);
                for (int m = 0; m < M; m++)
                    for (int n = 0; n < N; n++) {
                        float s = 0;
                        for (int k = 0; k < K; k++) s += a[m * K + k] * b[k * N + n];
                        ref[m * N + n] = s;
                    }
                const dim3 grid((N + 63) / 64, (M + 31) / 32, 1), block(256, 1, 1);
                if (mode == "default") netc_launch(mm_default, dim3((N + 63) / 64, (M + 63) / 64, 1), block, M, N, K,
                                                   (const float*) a.data(), (const float*) b.data(), c.data());
                else if (tf32) netc_launch(mm<netc::GemmTile<32, 64, netc::GemmPrecision::tf32>>, grid, block, M, N, K,
                                      (const float*) a.data(), (const float*) b.data(), c.data());
                else netc_launch(mm<netc::GemmTile<32, 64>>, grid, block, M, N, K, (const float*) a.data(), (const float*) b.data(), c.data());
                double worst = 0;
                for (int i = 0; i < M * N; i++) worst = std::fmax(worst, std::fabs(c[i] - ref[i]) / std::fmax(1.0f, std::fabs(ref[i])));
                std::printf("max difference %g\\n", worst);
                if (tf32) return worst > 0 && worst < 1e-2 ? 0 : 1;
                return worst < 1e-5 ? 0 : 1;
            }
            """;

    @Test
    void gemmTemplateMatchesALoopAndTheCpAsyncStandInCatchesAMissingWait() throws IOException {
        Assumptions.assumeTrue(HostCompiler.available(), "g++ not found");
        Path dir = Path.of("target", "emulation", "gemm_template");
        Files.createDirectories(dir);
        String gemm = resource("/dev/netc/codegen/cuda/netc_gemm.cuh");
        Files.writeString(dir.resolve("netc_prelude.cuh"), resource("/dev/netc/codegen/cuda/netc_prelude.cuh"));
        Files.writeString(dir.resolve("host_cuda.h"), resource("/host_cuda.h"));
        Files.copy(Path.of("src/test/c/cuda-sim/netc_emulated_intrinsics.h"), dir.resolve("netc_emulated_intrinsics.h"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("main.cpp"), "#define NETC_GEMM_TF32 1\n" + HARNESS);

        Files.writeString(dir.resolve("netc_gemm.cuh"), gemm);
        HostCompiler.compile(dir, "main.cpp", "gemm");
        assertTrue(HostCompiler.run(dir, "gemm").startsWith("max difference 0"), "FP32 sums k in order, like the loop");
        HostCompiler.run(dir, "gemm", "tf32");
        assertTrue(HostCompiler.run(dir, "gemm", "default").startsWith("max difference 0"), "netc::gemm with the default tile");

        String noWait = gemm.replace("netc_cp_async_wait<1>();", "netc_cp_async_wait<2>();");
        assertTrue(!noWait.equals(gemm), "the template waits for the current step with netc_cp_async_wait<1>()");
        Files.writeString(dir.resolve("netc_gemm.cuh"), noWait);
        HostCompiler.compile(dir, "main.cpp", "gemm_without_wait");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HostCompiler.run(dir, "gemm_without_wait"));
        assertTrue(e.getMessage().contains("exited 1"), e.getMessage());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = EmulatedGemmTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
