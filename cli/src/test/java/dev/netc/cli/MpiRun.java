package dev.netc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the netc CLI of this build as separate JVMs: alone, or as the ranks of an Open MPI job (mpirun on localhost). */
final class MpiRun {
    static final Path ROOT = Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize();

    private MpiRun() {}

    /** What a finished command printed (stdout and stderr together, in order) and its exit code. */
    record Result(int exit, String output) {
        List<String> lines() { return output.lines().toList(); }
    }

    static Path example(String name) { return ROOT.resolve("examples").resolve(name); }

    /** Skips the test, saying why, when Open MPI's mpirun is not installed (CI installs it: .ci/run). */
    static void assumeMpirun() {
        boolean found = System.getenv().getOrDefault("PATH", "").isEmpty() ? false
                : java.util.Arrays.stream(System.getenv("PATH").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "mpirun")));
        Assumptions.assumeTrue(found, "mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the "
                + "data-parallel tests");
    }

    /** The JVM command of {@code netc ARGS} for this build's classes. */
    static List<String> netc(List<String> args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-Xmx1g",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.netc.cli.Main"));
        c.addAll(args);
        return c;
    }

    /** {@code mpirun -np N} of netc, as CI runs it: as root, oversubscribed, unbound, without shared-memory single copy. */
    static List<String> mpirun(int ranks, List<String> args) {
        List<String> c = new ArrayList<>(List.of("mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "--mca", "btl_vader_single_copy_mechanism", "none", "-np", String.valueOf(ranks)));
        c.addAll(netc(args));
        return c;
    }

    /** A command started in the background, printing into {@code log}. */
    record Started(Process process, Path log) {
        String output() throws IOException { return Files.readString(log, StandardCharsets.UTF_8); }
    }

    static Started start(List<String> command, Path dir, Map<String, String> env) throws IOException {
        Path log = Files.createTempFile(dir, "run-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // a test run under mpirun itself must not pass its own rank on
        pb.environment().keySet().removeIf(k -> k.startsWith("OMPI_") || k.startsWith("PMIX_"));
        pb.environment().putAll(env);
        return new Started(pb.start(), log);
    }

    /** Runs {@code command} to its end (at most {@code seconds}) and returns what it printed. */
    static Result run(List<String> command, Path dir, Map<String, String> env, int seconds) throws Exception {
        Started started = start(command, dir, env);
        Process p = started.process();
        Path log = started.log();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not finish within " + seconds + " s: " + command + "\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }
}
