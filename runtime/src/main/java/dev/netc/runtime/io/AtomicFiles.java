package dev.netc.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes files so that readers see the old content or the new one, never half of it: the bytes go to
 * a temp file in the target's directory (same file system, so the rename is atomic), are forced to
 * disk, and the temp file is then renamed over the target. A failure leaves the target untouched.
 *
 * <ul>
 *   <li><b>Links are written through.</b> When the target is a symbolic link (or a chain of them, or a
 *       link to a file that does not exist yet), the file it points to is replaced, with the temp file
 *       beside that file: the link stays a link and its target gets the new content.</li>
 *   <li><b>Only regular files are replaced.</b> An existing directory, device, pipe or socket is
 *       refused ({@code /dev/full} stays a device even for root).</li>
 *   <li><b>No temp file outlives its writer.</b> Temp files are named {@code .NAME.netc-PID-RANDOM.tmp};
 *       each write first deletes the ones of a process that is no longer running (a run killed while
 *       saving), and a shutdown hook deletes the ones in flight when the JVM is stopped (SIGTERM, Ctrl-C).</li>
 * </ul>
 */
public final class AtomicFiles {
    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final long PID = ProcessHandle.current().pid();
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int MAX_LINKS = 40;
    /** Temp files being written by this process right now; the shutdown hook deletes them. */
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::deleteInFlight, "netc-delete-temp-files"));
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting: nothing will be written anyway
        }
    }

    private AtomicFiles() {}

    /** Writes {@code bytes} to a temp file beside {@code target} (or the file it links to), then renames it over that file. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code text} as UTF-8, atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes what {@code content} produces to a temp file beside the file {@code target} resolves to,
     * forces it to disk, and renames it over that file. Parent directories are created as needed.
     *
     * @throws FileSystemException naming the path and the operating system's reason; the target is untouched
     */
    public static void write(Path target, Content content) throws IOException {
        Path file = resolve(target);
        Path dir = file.getParent();
        refuseNonRegular(file, target);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FileSystemException(dir.toString(), null, "cannot create the directory: " + IoErrors.describe(e, dir));
        }
        deleteStaleTempFiles(dir, file.getFileName().toString());
        Path temp = dir.resolve(tempName(file.getFileName().toString()));
        IN_FLIGHT.add(temp);
        try {
            FileChannel channel;
            try {
                channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new FileSystemException(dir.toString(), null, "cannot create a file in this directory: " + IoErrors.reason(e));
            }
            try (channel) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            } catch (IOException e) {
                throw new FileSystemException(file.toString(), null, "cannot write: " + IoErrors.reason(e));
            }
            keepPermissions(file, temp);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new FileSystemException(file.toString(), null, "cannot replace: " + IoErrors.reason(e));
            }
            forceDirectory(dir);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } finally {
                IN_FLIGHT.remove(temp);
            }
        }
    }

    /**
     * The file a write to {@code target} replaces: {@code target} made absolute, with symbolic links
     * followed (also a link to a file that does not exist yet) and its directory's links resolved.
     *
     * @throws FileSystemException when the links loop
     */
    public static Path resolve(Path target) throws IOException {
        Path p = target.toAbsolutePath();
        if (p.getFileName() == null) return p; // the root directory
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) throw new FileSystemException(target.toString(), null, "Too many levels of symbolic links");
            Path link = Files.readSymbolicLink(p);
            p = p.resolveSibling(link); // an absolute link replaces the path; a relative one is resolved against the link's directory
            if (p.getFileName() == null) return p;
            p = realDirectory(p.getParent()).resolve(p.getFileName());
        }
        return realDirectory(p.getParent()).resolve(p.getFileName());
    }

    /**
     * Refuses an existing {@code file} that is not a regular file (a directory, device, pipe or socket):
     * renaming over it would replace it instead of writing it.
     */
    public static void refuseNonRegular(Path file, Path asGiven) throws FileSystemException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return;
        String what = Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS) ? "is a directory"
                : "is not a regular file (a device, pipe or socket); netc writes only regular files";
        String shown = asGiven.toAbsolutePath().normalize().equals(file) ? asGiven.toString() : asGiven + " (" + file + ")";
        throw new FileSystemException(shown, null, what);
    }

    /** The name of the temp files a write to a file named {@code name} uses: {@code .NAME.netc-PID-RANDOM.tmp}. */
    static String tempName(String name) {
        return "." + name + ".netc-" + PID + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + TEMP_SUFFIX;
    }

    /** Matches the temp files of a target named {@code name}: this version's and the PID-less ones older versions wrote. */
    private static Pattern tempPattern(String name) {
        return Pattern.compile("\\." + Pattern.quote(name) + "\\.(?:netc-(\\d+)-[0-9a-f]{1,16}|[0-9a-f]{1,16})" + Pattern.quote(TEMP_SUFFIX));
    }

    /**
     * Deletes the temp files of earlier writes to {@code dir/name} whose writer is gone: a process that
     * is no longer running, or this one when the file is not being written now. Best effort: a file
     * that cannot be deleted is left for the next write.
     */
    static void deleteStaleTempFiles(Path dir, String name) {
        Pattern pattern = tempPattern(name);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "." + globEscape(name) + ".*" + TEMP_SUFFIX)) {
            for (Path p : entries) {
                Matcher m = pattern.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || IN_FLIGHT.contains(p)) continue;
                if (m.group(1) != null && writerIsRunning(m.group(1))) continue;
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // left for the next write
                }
            }
        } catch (IOException e) {
            // an unreadable directory will fail the write itself with a clear message
        }
    }

    private static boolean writerIsRunning(String pidText) {
        long pid;
        try {
            pid = Long.parseLong(pidText);
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == PID) return false; // ours, and not in flight
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive();
    }

    private static String globEscape(String name) {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            if ("*?[]{}\\".indexOf(c) >= 0) sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }

    /** Deletes every temp file being written now (the JVM is shutting down: the writes will not finish). */
    static void deleteInFlight() {
        for (Path p : IN_FLIGHT) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // nothing more can be done while shutting down
            }
        }
    }

    /** The temp files this process is writing now (for tests). */
    static Set<Path> inFlight() {
        return Set.copyOf(IN_FLIGHT);
    }

    /** {@code dir} with its links resolved: its real path if it exists, else its nearest existing ancestor's real path plus the rest. */
    private static Path realDirectory(Path dir) throws IOException {
        if (dir == null) return Path.of("/");
        if (Files.exists(dir)) {
            try {
                return dir.toRealPath();
            } catch (NoSuchFileException e) {
                return dir;
            }
        }
        Path parent = dir.getParent();
        // the missing part holds no links, so "." and ".." in it can be resolved by the name alone
        return parent == null ? dir : realDirectory(parent).resolve(dir.getFileName()).normalize();
    }

    /** A replaced file keeps its permissions (a checkpoint made group-readable stays so); best effort. */
    private static void keepPermissions(Path file, Path temp) {
        try {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            // the new file keeps the default permissions
        }
    }

    /** Forces the directory entry of the rename to disk, so a crash right after the write cannot lose it; best effort. */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every file system lets a directory be opened or synced
        }
    }
}
