package dev.netc.frontend;

import static dev.netc.frontend.Check.check;
import static dev.netc.frontend.Check.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: what the frontend reads, and how it reports characters it cannot use. */
class SourceTextTest {
    @TempDir Path dir;

    private static final String MODEL = "model m {\n  input x: f32[B, 2]\n  output x\n}\n";

    /** A UTF-8 byte order mark was rejected with an invisible character in the message. */
    @Test
    void aByteOrderMarkIsNotPartOfTheText() throws IOException {
        Path file = dir.resolve("bom.net");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = MODEL.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, all, 0, bom.length);
        System.arraycopy(text, 0, all, bom.length, text.length);
        Files.write(file, all);
        CheckResult r = Frontend.check(SourceFile.read(file));
        assertFalse(r.hasErrors(), r::render);
        // positions still count from the first real character
        Diagnostic d = check("\uFEFFmodel m {\n  input x: f32[B, 2]\n  output y\n}\n").diagnostics().getLast();
        assertEquals("unknown name 'y'", d.message());
        assertEquals(new SourceSpan(3, 10, 1), d.span());
    }

    /** Non-ASCII identifiers got "expected a statement ... but found '}'". */
    @Test
    void nonAsciiNamesSayWhatIsWrong() {
        Diagnostic d = single("model m {\n  input x: f32[B, 2]\n  h\u00e9llo = relu(x)\n  output x\n}\n");
        assertEquals("names must be ASCII letters, digits and '_': 'h\u00e9llo' contains character '\u00e9' (U+00E9)", d.message());
        assertEquals(new SourceSpan(3, 3, 5), d.span());
        assertEquals(List.of("non-ASCII text may appear in comments and strings only"), d.notes());
        // ... where comments and strings are fine
        assertFalse(check("# caf\u00e9\nmodel m {\n  input x: f32[B, 2]\n  h = dense(x, 2, name=\"x\")  // \u00fcber\n  output h\n}\n").hasErrors());
        // a name made of non-ASCII letters only, and one per word
        List<Diagnostic> two = check("model m {\n  input x: f32[B, 2]\n  \u03b1 = x\n  \u03b2 = \u03b1\n  output x\n}\n").diagnostics();
        assertEquals(3, two.size(), () -> DiagnosticRenderer.renderAll(two));
        assertTrue(two.getFirst().message().endsWith("'\u03b1' contains character '\u03b1' (U+03B1)"), two.getFirst().message());
    }

    @Test
    void invisibleCharactersAreShownByCodePoint() {
        Diagnostic d = single("model m {\n  input x: f32[B, 2]\n  y = x\u200b\n  output y\n}\n");
        assertEquals("unexpected character U+200B", d.message());
        Diagnostic nbsp = single("model m {\n  input x: f32[B, 2]\u00a0\n  output x\n}\n");
        assertTrue(nbsp.message().contains("character U+00A0"), nbsp.message());
        Diagnostic times = check("model m {\n  input x: f32[B, 2]\n  y = x \u00d7 x\n  output y\n}\n").diagnostics().getFirst();
        assertEquals("unexpected character '\u00d7' (U+00D7)", times.message());
    }

    /** netc check /dev/zero ran out of memory after a minute. */
    @Test
    void onlyRegularFilesUpToTheLimitAreRead() throws IOException {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(zero), "no /dev/zero here");
        IOException device = assertThrows(IOException.class, () -> SourceFile.read(zero));
        assertEquals("not a regular file (a device, pipe or socket?); netc reads .net source files", device.getMessage());
        assertEquals("is a directory, not a .net file", assertThrows(IOException.class, () -> SourceFile.read(dir)).getMessage());
        Path huge = dir.resolve("huge.net");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(SourceFile.MAX_BYTES + 1L); // sparse: costs no disk
        }
        assertEquals("larger than 64 MiB, the limit for a .net source file",
                assertThrows(IOException.class, () -> SourceFile.read(huge)).getMessage());
        Path ok = Files.writeString(dir.resolve("ok.net"), MODEL);
        assertEquals(MODEL, SourceFile.read(ok).text());
    }
}
