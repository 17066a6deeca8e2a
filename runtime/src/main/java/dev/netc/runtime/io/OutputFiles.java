package dev.netc.runtime.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the files a command will write before it starts work, so that a long training run cannot
 * fail at its first save, or overwrite one of its own inputs or outputs:
 * <ul>
 *   <li>each output can be written: it is not a directory, device or other non-regular file, and its
 *       directory (or the nearest one that exists, when it is to be created) is a directory in which
 *       a file can be created; the message carries the operating system's reason;</li>
 *   <li>no two outputs are the same file, and no output is one of the inputs (the model source, a data
 *       file, a checkpoint read), except the inputs an output is declared to replace ({@code --save}
 *       may continue the checkpoint {@code --resume} read). Files are compared after resolving links,
 *       so a link to the model source counts as the model source.</li>
 * </ul>
 * Problems are {@link OutputFileException}s, user errors whose message is ready to print.
 */
public final class OutputFiles {
    /**
     * A file the command writes.
     *
     * @param label    how messages name it ("--save")
     * @param path     as the user gave it
     * @param replaces labels of the inputs it may be (e.g. "the --resume checkpoint")
     */
    public record Output(String label, Path path, Set<String> replaces) {
        public Output {
            Objects.requireNonNull(label);
            Objects.requireNonNull(path);
            replaces = Set.copyOf(replaces);
        }

        public Output(String label, Path path) {
            this(label, path, Set.of());
        }
    }

    /** A file the command reads, e.g. {@code new Input("the model source", file)} or {@code new Input("the --resume checkpoint", ckpt)}. */
    public record Input(String label, Path path) {
        public Input {
            Objects.requireNonNull(label);
            Objects.requireNonNull(path);
        }
    }

    /** A file a command was asked to write cannot be written, or would overwrite another input or output. */
    public static final class OutputFileException extends RuntimeException {
        public OutputFileException(String message) {
            super(message);
        }
    }

    private OutputFiles() {}

    /** Checks every output (see the class comment); the first problem found is thrown. */
    public static void check(List<Output> outputs, List<Input> inputs) {
        List<Resolved> out = new ArrayList<>();
        for (Output o : outputs) out.add(new Resolved(o.label(), o.path(), resolve(o.label(), o.path())));
        for (int i = 0; i < out.size(); i++)
            for (int j = i + 1; j < out.size(); j++)
                if (same(out.get(i), out.get(j)))
                    throw new OutputFileException(out.get(i).label + " and " + out.get(j).label + " name the same file " + out.get(j).given
                            + "; give each output its own file");
        for (int i = 0; i < out.size(); i++) {
            Resolved o = out.get(i);
            for (Input in : inputs) {
                if (outputs.get(i).replaces().contains(in.label())) continue;
                Resolved r;
                try {
                    r = new Resolved(in.label(), in.path(), AtomicFiles.resolve(in.path()));
                } catch (IOException e) {
                    continue; // an input that cannot be resolved is reported when it is read
                }
                if (same(o, r))
                    throw new OutputFileException(o.label + " " + o.given + " would overwrite " + in.label() + " " + in.path()
                            + "; write it to another file");
            }
        }
        for (Resolved o : out) checkWritable(o);
    }

    /** {@link #check} for one output and no inputs. */
    public static void checkWritable(String label, Path path) {
        check(List.of(new Output(label, path)), List.of());
    }

    private record Resolved(String label, Path given, Path file) {}

    private static Path resolve(String label, Path path) {
        try {
            return AtomicFiles.resolve(path);
        } catch (IOException e) {
            throw new OutputFileException(label + " " + path + ": cannot be written: " + IoErrors.describe(e, path));
        }
    }

    /** The same file: the same resolved path, or (both existing) the same file by identity, as with hard links. */
    private static boolean same(Resolved a, Resolved b) {
        if (a.file.equals(b.file)) return true;
        try {
            return Files.exists(a.file) && Files.exists(b.file) && Files.isSameFile(a.file, b.file);
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkWritable(Resolved o) {
        String where = o.label + " " + o.given;
        try {
            AtomicFiles.refuseNonRegular(o.file, o.given);
        } catch (FileSystemException e) {
            throw new OutputFileException(where + ": cannot be written: it " + e.getReason());
        }
        Path dir = o.file.getParent();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new OutputFileException(where + ": cannot be written: no part of its directory " + dir + " exists");
        if (!Files.isDirectory(existing))
            throw new OutputFileException(where + ": cannot be written: " + existing + " is not a directory");
        Path probe = existing.resolve(AtomicFiles.tempName(o.file.getFileName().toString()));
        try {
            FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw new OutputFileException(where + ": cannot be written: cannot create files in " + existing + ": " + IoErrors.reason(e));
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                // deleted as a stale temp file by the next write
            }
        }
    }
}
