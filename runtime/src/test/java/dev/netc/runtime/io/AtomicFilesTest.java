package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @Test
    void replacesTheTargetAndLeavesNoTempFile(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("sub/file.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        AtomicFiles.write(target, new byte[] {4, 5});
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void aFailedWriteLeavesTheTargetAsItWas(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("file.bin");
        Files.write(target, new byte[] {7});
        Path blocked = Files.createDirectory(dir.resolve("blocked"));
        Files.writeString(blocked.resolve("x"), "a non-empty directory cannot be replaced by a file");
        assertThrows(IOException.class, () -> AtomicFiles.write(blocked, new byte[] {1}));
        assertTrue(Files.isDirectory(blocked));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "the temp file is removed after the failed rename");
        }
    }
}
