package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
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
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "the temp files are removed after the failed writes");
        }
    }

    /** Issue 10, item 7: a save to a symbolic link replaced the link with a file and left its target stale. */
    @Test
    void writesThroughSymbolicLinks(@TempDir Path dir) throws IOException {
        Path real = Files.write(Files.createDirectory(dir.resolve("runs")).resolve("real.st"), new byte[] {1});
        Path link = Files.createSymbolicLink(dir.resolve("link.st"), Path.of("runs/real.st"));
        Path chain = Files.createSymbolicLink(dir.resolve("chain.st"), link);
        AtomicFiles.write(chain, new byte[] {2, 3});
        assertTrue(Files.isSymbolicLink(chain) && Files.isSymbolicLink(link), "the links stay links");
        assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(real), "the file they point to has the new content");
        try (Stream<Path> files = Files.list(real.getParent())) {
            assertEquals(List.of(real), files.toList(), "the temp file was beside the real file and is gone");
        }

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.st"), dir.resolve("later/new.st"));
        AtomicFiles.write(dangling, new byte[] {4});
        assertTrue(Files.isSymbolicLink(dangling));
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(dir.resolve("later/new.st")));

        Path loop = Files.createSymbolicLink(dir.resolve("loop.st"), dir.resolve("loop.st"));
        assertTrue(assertThrows(IOException.class, () -> AtomicFiles.write(loop, new byte[] {5})).getMessage()
                .contains("Too many levels of symbolic links"));
    }

    /** Issue 10, item 7: {@code --save /dev/full} as root replaced the device with a file. A FIFO stands in for the device here. */
    @Test
    void refusesToReplaceAnythingButARegularFile(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is not available");
        String message = assertThrows(IOException.class, () -> AtomicFiles.write(fifo, new byte[] {1})).getMessage();
        assertTrue(message.contains("is not a regular file"), message);
        assertTrue(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(fifo), "still a FIFO");
        Path viaLink = Files.createSymbolicLink(dir.resolve("pipe-link"), fifo);
        assertThrows(IOException.class, () -> AtomicFiles.write(viaLink, new byte[] {1}));
        assertTrue(!Files.isRegularFile(fifo));
        assertTrue(assertThrows(IOException.class, () -> AtomicFiles.write(dir, new byte[] {1})).getMessage().contains("is a directory"));
    }

    /** Issue 10, item 8: temp files of interrupted saves (50 MB each) stayed behind. */
    @Test
    void deletesTheTempFilesOfWritersThatAreGone(@TempDir Path dir) throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        long deadPid = done.pid();
        Path target = dir.resolve("w.st");
        Path deadWriter = Files.write(dir.resolve(".w.st.netc-" + deadPid + "-1a2b.tmp"), new byte[100]);
        Path olderNetc = Files.write(dir.resolve(".w.st.5f3c2a1b9d8e7f60.tmp"), new byte[100]);
        Path ours = Files.write(dir.resolve(".w.st.netc-" + ProcessHandle.current().pid() + "-77.tmp"), new byte[100]);
        Path liveWriter = Files.write(dir.resolve(".w.st.netc-" + ProcessHandle.current().parent().orElseThrow().pid() + "-3c.tmp"),
                new byte[100]);
        Path otherTarget = Files.write(dir.resolve(".x.st.netc-" + deadPid + "-1a2b.tmp"), new byte[100]);
        Path userFile = Files.write(dir.resolve(".w.st.notes.tmp"), new byte[100]);

        AtomicFiles.write(target, new byte[] {1});
        assertTrue(Files.notExists(deadWriter) && Files.notExists(olderNetc) && Files.notExists(ours), "stale temp files are deleted");
        assertTrue(Files.exists(liveWriter), "a running writer's temp file is kept");
        assertTrue(Files.exists(otherTarget) && Files.exists(userFile), "other files are kept");
    }

    /** Issue 10, item 8: a JVM stopped with SIGTERM while saving deletes its temp file. */
    @Test
    void sigtermDeletesTheTempFileInFlight(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("big.st");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SlowWriter.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertEquals("writing", line, "the child started writing");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith(".big.st.netc-")).count(), "its temp file exists");
            }
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child stopped");
        } finally {
            child.destroyForcibly();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no temp file, and no half-written target");
        }
    }

    /** Starts an atomic write, says so, and waits in the middle of it until it is stopped. */
    public static final class SlowWriter {
        public static void main(String[] args) throws IOException {
            AtomicFiles.write(Path.of(args[0]), out -> {
                out.write(new byte[1 << 20]);
                out.flush();
                System.out.println("writing");
                System.out.flush();
                try {
                    Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("interrupted");
            });
        }
    }
}
