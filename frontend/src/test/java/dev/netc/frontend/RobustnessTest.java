package dev.netc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile input: large garbage files and deep nesting finish with diagnostics, never a hang or an exception. */
class RobustnessTest {
    private static final List<String> TOKENS = List.of("model", "block", "train", "input", "param", "frozen", "output",
            "return", "{", "}", "(", ")", "[", "]", ",", ":", ";", "=", "+", "-", "*", "/", "x", "h", "dense", "relu",
            "1", "0.5", "f32", "B", "\"s\"", "@", "\n", "# c\n");

    private static String randomTokens(long seed, String prefix, int size) {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 16).append(prefix);
        while (sb.length() < size) sb.append(TOKENS.get(random.nextInt(TOKENS.size()))).append(' ');
        return sb.toString();
    }

    @Test
    void oneMegabyteOfRandomTokensIsRejectedQuickly() {
        for (String prefix : List.of("", "model m { input x: f32[B, 4] ")) {
            String text = randomTokens(42, prefix, 1 << 20);
            CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Frontend.check(new SourceFile("r.net", text)));
            assertTrue(r.hasErrors());
            assertTrue(r.diagnostics().size() <= Parsing.MAX_SYNTAX_ERRORS);
            String rendered = DiagnosticRenderer.renderAll(r.diagnostics());
            assertTrue(rendered.lines().allMatch(l -> l.length() < 400), "long lines are shown as a window");
        }
    }

    @Test
    void deepNestingIsAnErrorNotACrash() {
        String text = "model m { input x: f32[B, 2] y = " + "(".repeat(200_000) + "x" + ")".repeat(200_000) + " output y }";
        CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Frontend.check(new SourceFile("d.net", text)));
        assertEquals(List.of("expressions or blocks are nested too deeply in d.net"), r.diagnostics().stream().map(Diagnostic::message).toList());
    }

    @Test
    void moderatelyLongExpressionsAreFine() {
        String text = "model m { input x: f32[B, 2] y = x" + " + x".repeat(500) + " output y }";
        CheckResult r = Frontend.check(new SourceFile("l.net", text));
        assertFalse(r.hasErrors(), () -> DiagnosticRenderer.renderAll(r.diagnostics()));
    }
}
