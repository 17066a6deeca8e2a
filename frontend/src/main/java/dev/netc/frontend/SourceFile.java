package dev.netc.frontend;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** A .net source text with the name diagnostics use for it; a leading byte order mark is not part of the text. */
public record SourceFile(String name, String text) {
    /** The largest source file netc reads: far beyond any model, small enough to refuse a runaway file quickly. */
    public static final int MAX_BYTES = 64 << 20;

    public SourceFile {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
    }

    /**
     * Reads a regular file of at most {@link #MAX_BYTES} as UTF-8. A device, pipe or directory, a larger
     * file and one that is not valid UTF-8 text are user errors, reported by the caller with the message.
     */
    public static SourceFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            if (!Files.exists(path)) throw new NoSuchFileException(path.toString());
            throw new IOException(Files.isDirectory(path) ? "is a directory, not a .net file"
                    : "not a regular file (a device, pipe or socket?); netc reads .net source files");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES)
            throw new IOException("larger than " + (MAX_BYTES >> 20) + " MiB, the limit for a .net source file");
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return new SourceFile(path.toString(), text);
        } catch (CharacterCodingException e) {
            throw new IOException("not a UTF-8 text file (binary data?)", e);
        }
    }

    /** The 1-based line, without its line terminator; empty when out of range. */
    public String line(int line) {
        List<String> lines = text.lines().toList();
        return line >= 1 && line <= lines.size() ? lines.get(line - 1) : "";
    }
}
