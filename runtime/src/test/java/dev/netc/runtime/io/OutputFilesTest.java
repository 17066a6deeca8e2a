package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.io.OutputFiles.Input;
import dev.netc.runtime.io.OutputFiles.Output;
import dev.netc.runtime.io.OutputFiles.OutputFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10, item 6 and the bad-path item: outputs are checked against each other, the inputs and the file system up front. */
class OutputFilesTest {
    @TempDir Path dir;

    String refused(List<Output> outputs, List<Input> inputs) {
        return assertThrows(OutputFileException.class, () -> OutputFiles.check(outputs, inputs)).getMessage();
    }

    @Test
    void twoOutputsMayNotBeOneFile() throws IOException {
        Path x = dir.resolve("x");
        assertEquals("--save and --metrics name the same file " + x + "; give each output its own file",
                refused(List.of(new Output("--save", x), new Output("--metrics", x)), List.of()));
        Path link = Files.createSymbolicLink(dir.resolve("link"), x);
        assertTrue(refused(List.of(new Output("--save", x), new Output("--plot", link)), List.of()).startsWith("--save and --plot name"));
        Path relative = Path.of("").toAbsolutePath().relativize(x);
        assertTrue(refused(List.of(new Output("--save", relative), new Output("--plot", dir.resolve("sub/../x"))), List.of())
                .startsWith("--save and --plot name"));
    }

    @Test
    void noOutputOverwritesAnInput() throws IOException {
        Path model = Files.writeString(dir.resolve("my.net"), "model m {}");
        Path resume = Files.write(dir.resolve("run.st"), new byte[1]);
        List<Input> inputs = List.of(new Input("the model source", model), new Input("the --resume checkpoint", resume));
        assertEquals("--save " + model + " would overwrite the model source " + model + "; write it to another file",
                refused(List.of(new Output("--save", model, Set.of("the --resume checkpoint"))), inputs));
        assertTrue(refused(List.of(new Output("--metrics", resume)), inputs).startsWith("--metrics " + resume
                + " would overwrite the --resume checkpoint"));
        assertDoesNotThrow(() -> OutputFiles.check(List.of(new Output("--save", resume, Set.of("the --resume checkpoint"))), inputs),
                "--save may continue the checkpoint it resumed from");
        Path hardLink = Files.createLink(dir.resolve("hard.net"), model);
        assertTrue(refused(List.of(new Output("--plot", hardLink)), inputs).contains("would overwrite the model source"));
    }

    @Test
    void unwritableOutputsAreRefusedWithTheReasonBeforeAnythingIsWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "a file, not a directory");
        assertEquals("--save " + file.resolve("w.st") + ": cannot be written: " + file + " is not a directory",
                refused(List.of(new Output("--save", file.resolve("w.st"))), List.of()));
        assertEquals("--metrics " + dir + ": cannot be written: it is a directory",
                refused(List.of(new Output("--metrics", dir)), List.of()));
        assertDoesNotThrow(() -> OutputFiles.checkWritable("--plot", dir.resolve("plots/new/curves.png")), "directories are created later");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "checking writes nothing");
        }
    }

    @Test
    void aDirectoryWithoutWritePermissionIsRefusedWithTheOsReason() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        locked.toFile().setWritable(false, false);
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(locked) && canCreate(locked),
                    "running as root: permissions do not stop writes");
            assertEquals("--save " + locked.resolve("w.st") + ": cannot be written: cannot create files in " + locked + ": Permission denied",
                    refused(List.of(new Output("--save", locked.resolve("w.st"))), List.of()));
        } finally {
            locked.toFile().setWritable(true, false);
        }
    }

    private static boolean canCreate(Path dir) {
        try {
            Files.delete(Files.createFile(dir.resolve("probe")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
