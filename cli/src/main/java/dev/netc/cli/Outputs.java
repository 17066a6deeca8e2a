package dev.netc.cli;

import dev.netc.runtime.io.AtomicFiles;
import dev.netc.runtime.io.IoErrors;
import dev.netc.runtime.io.OutputFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The commands' files: written whole or not at all through the runtime's {@link AtomicFiles} (temp
 * file, fsync, rename; links written through; stale temp files cleaned up), and checked before a
 * command starts work with {@link OutputFiles}. Every failure is a {@link CommandError} with the reason.
 */
final class Outputs {
    private Outputs() {}

    static void writeString(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    static void write(Path target, byte[] bytes) {
        try {
            AtomicFiles.write(target, bytes);
        } catch (IOException e) {
            throw new CommandError("error: cannot write " + target + ": " + IoErrors.describe(e, target));
        }
    }

    /** Refuses outputs that cannot be written or would overwrite another output or an input, before any work starts. */
    static void check(List<OutputFiles.Output> outputs, List<OutputFiles.Input> inputs) {
        try {
            OutputFiles.check(outputs, inputs);
        } catch (OutputFiles.OutputFileException e) {
            throw new CommandError("error: " + e.getMessage());
        }
    }
}
