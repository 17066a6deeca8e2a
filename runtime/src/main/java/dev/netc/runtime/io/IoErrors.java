package dev.netc.runtime.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The reason an I/O operation failed, in the operating system's words ("Permission denied", "No such
 * file or directory", "Read-only file system"). Java's file-system exceptions often carry only the
 * path as their message (an {@link AccessDeniedException} says "/out/m.json" and nothing else), and
 * some carry none at all (an {@link EOFException} from a truncated gzip stream says "null"): error
 * messages built from {@link IOException#getMessage()} then name no reason, or print "null".
 */
public final class IoErrors {
    private IoErrors() {}

    /** The reason alone, never null or empty: "Permission denied", "Not a directory", ... */
    public static String reason(IOException e) {
        return switch (e) {
            case AccessDeniedException a -> a.getReason() != null ? a.getReason() : "Permission denied";
            case NoSuchFileException n -> n.getReason() != null ? n.getReason() : "No such file or directory";
            case NotDirectoryException n -> "Not a directory";
            case FileAlreadyExistsException f -> f.getReason() != null ? f.getReason() : "File exists";
            case DirectoryNotEmptyException d -> "Directory not empty";
            case FileSystemLoopException l -> "Too many levels of symbolic links";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            case FileSystemException f -> f.getClass().getSimpleName().replace("Exception", "");
            case EOFException eof -> "unexpected end of file";
            default -> e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /**
     * The reason with the file it concerns when that is not {@code about} itself: "Permission denied"
     * for the file being written, "/out: Permission denied" for its directory.
     */
    public static String describe(IOException e, java.nio.file.Path about) {
        if (e instanceof FileSystemException f && f.getFile() != null && about != null) {
            String file = f.getFile();
            boolean same = file.equals(about.toString()) || file.equals(about.toAbsolutePath().toString());
            if (!same) return file + ": " + reason(e);
        }
        return reason(e);
    }
}
