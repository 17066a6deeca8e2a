package dev.netc.codegen.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** g++ and the programs it builds, run as child processes with a time limit. */
final class HostCompiler {
    private HostCompiler() {}

    static boolean available() {
        try {
            return exec(Path.of("."), 60, "g++", "--version").startsWith("g++");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** g++ -std=c++20 -pthread with host_cuda.h force-included; warnings about CUDA pragmas are off. */
    static void compile(Path dir, String source, String binary) throws IOException {
        exec(dir, 300, "g++", "-std=c++20", "-O1", "-pthread", "-Wno-unknown-pragmas", "-include", "host_cuda.h", source, "-o", binary);
    }

    static String run(Path dir, String binary, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(dir.toAbsolutePath().resolve(binary).toString()));
        cmd.addAll(List.of(args));
        return exec(dir, 300, cmd.toArray(String[]::new));
    }

    /** Runs a command in dir; fails with its output unless it exits 0 in time. */
    static String exec(Path dir, int seconds, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": timed out after " + seconds + " s");
            }
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
