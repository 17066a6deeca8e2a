package dev.netc.runtime.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.netc.codegen.cuda.CudaProgram;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The CUDA simulator (scripts/cuda-sim.sh, sources in src/test/c/cuda-sim) for the tests that run the
 * real CUDA runtime path on the CPU. The runtime finds it the way it finds a driver: the pom's
 * {@code cuda-sim} test execution sets {@code NETC_CUDA_LIB_DIR} to target/cuda-sim/current, which
 * the script builds (once, cached) and links. Run elsewhere (e.g. picked by -Dtest in the default
 * execution), the simulator tests abort: they need that variable set before the JVM starts.
 */
final class Simulator {
    private Simulator() {}

    /** Builds the simulator if needed; aborts the test when NETC_CUDA_LIB_DIR does not name it. */
    static Path require() {
        Path expected = Path.of("target", "cuda-sim", "current").toAbsolutePath();
        Optional<Path> dir = Optional.ofNullable(System.getenv(CudaAvailability.LIB_DIR_VARIABLE)).map(Path::of);
        Assumptions.assumeTrue(dir.isPresent() && dir.get().toAbsolutePath().equals(expected),
                "the CUDA simulator tests run in runtime's cuda-sim test execution (NETC_CUDA_LIB_DIR=" + expected + ")");
        Assumptions.assumeTrue(Built.PATH.isPresent(), "gcc/g++ or cuda.h missing: " + Built.PROBLEM);
        return expected;
    }

    /**
     * Compiles programs with the simulated NVRTC on two threads, with the options CudaBackend uses for
     * the simulated GPU (sm_90), so that the tests' own compiles find them in the kernel cache: g++
     * is most of a cold run's time, and CI machines have two cores.
     */
    static void precompile(List<CudaProgram> programs) {
        Nvrtc nvrtc = Nvrtc.load();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<byte[]>> done = new ArrayList<>();
            for (CudaProgram p : programs) done.add(pool.submit(() -> CudaBackend.compile(nvrtc, p, "sm_90")));
            for (Future<byte[]> f : done) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The build, done once per test JVM (class initialisation is the JVM's own once-only guard). */
    private static final class Built {
        static final String PROBLEM;
        static final Optional<Path> PATH;

        static {
            String problem = "";
            Optional<Path> path = Optional.empty();
            try {
                Path script = CudaExamples.root().resolve("scripts/cuda-sim.sh");
                Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(false).start();
                byte[] out = p.getInputStream().readAllBytes();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(300, TimeUnit.SECONDS)) throw new IllegalStateException("cuda-sim.sh timed out");
                if (p.exitValue() == 2) problem = err.strip();
                else if (p.exitValue() != 0) throw new IllegalStateException("cuda-sim.sh failed:\n" + err);
                else path = Optional.of(Path.of(new String(out, StandardCharsets.UTF_8).strip()));
                if (path.isPresent() && !Files.exists(path.get().resolve("libcuda.so.1"))) throw new IllegalStateException("no libcuda.so.1 in " + path.get());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            PROBLEM = problem;
            PATH = path;
        }
    }
}
