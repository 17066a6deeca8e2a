package dev.netc.frontend;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A .net source text with the name diagnostics use for it. */
public record SourceFile(String name, String text) {

    /** Reads a file as UTF-8; a file that is not valid UTF-8 text is a user error, reported by the caller. */
    public static SourceFile read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
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
