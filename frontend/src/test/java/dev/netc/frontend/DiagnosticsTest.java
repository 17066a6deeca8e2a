package dev.netc.frontend;

import static dev.netc.frontend.Check.check;
import static dev.netc.frontend.Check.errors;
import static dev.netc.frontend.Check.hasMessage;
import static dev.netc.frontend.Check.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** User errors: position, wording, notes, and that checking goes on after them. */
class DiagnosticsTest {

    private static final String HEAD = "model m {\n  input x: f32[B, 1, 28, 28]\n  h = flatten(x)\n";

    @Test
    void shapeMismatchNamesTheOpAndShapesAndPointsAtTheCall() {
        String src = HEAD + "  param w: f32[3137, 1024]\n  h = matmul(h, w)\n  output h\n}\n";
        assertEquals("""
                t.net:5:7: error: matmul: inner dimensions differ: [B, 784] x [3137, 1024]
                      h = matmul(h, w)
                          ^~~~~~~~~~~~

                1 error
                """, errors(src));
    }

    @Test
    void broadcastMismatchInArithmetic() {
        Diagnostic d = single(HEAD + "  param b: f32[11]\n  y = dense(h, 10) + b\n  output y\n}");
        assertEquals("add: shapes do not broadcast: [B, 10] and [11]", d.message());
        assertEquals(new SourceSpan(5, 7, 16), d.span());
    }

    @Test
    void unknownNameSuggestsACloseOne() {
        Diagnostic d = single(HEAD + "  y = dense(h2, 10)\n  output y\n}");
        assertEquals("unknown name 'h2'", d.message());
        assertEquals(List.of("did you mean 'h'?"), d.notes());
        assertEquals(new SourceSpan(4, 13, 2), d.span());
        assertTrue(DiagnosticRenderer.render(d).endsWith("                ^~\n    = note: did you mean 'h'?\n"));
    }

    @Test
    void unknownFunctionSuggestsABuiltin() {
        Diagnostic d = single(HEAD + "  y = denes(h, 10)\n  output y\n}");
        assertEquals("unknown function 'denes'", d.message());
        assertEquals(List.of("did you mean 'dense'?"), d.notes());
    }

    @Test
    void unknownArgumentListsTheExpectedOnes() {
        Diagnostic d = single(HEAD + "  y = dense(h, unit=10)\n  output y\n}");
        assertEquals("dense: unknown argument 'unit' (expected one of: x, units, activation, use_bias, kernel_init, bias_init, name, kernel_regularizer, bias_regularizer)",
                d.message());
        assertEquals(List.of("did you mean 'units'?"), d.notes());
        assertEquals(new SourceSpan(4, 16, 4), d.span());
    }

    @Test
    void wrongArgumentTypes() {
        hasMessage(HEAD + "  y = dense(h, x)\n  output y\n}", "dense: argument 'units' must be an integer, got a tensor f32[B, 1, 28, 28]");
        hasMessage(HEAD + "  y = dense(3, 10)\n  output y\n}", "dense: argument 'x' must be a tensor, got the number 3");
        hasMessage(HEAD + "  y = dense(h, 10, kernel_init=0.1)\n  output y\n}", "dense: argument 'kernel_init' must be an initialiser");
        hasMessage(HEAD + "  y = dense(h, 10, activation=rellu)\n  output y\n}",
                "dense: argument 'activation' must be one of none, linear, relu, sigmoid, tanh, softmax, softplus, leaky_relu, elu, gelu, silu, swish, hard_sigmoid, mish, got 'rellu'");
        hasMessage(HEAD + "  y = dense(h)\n  output y\n}", "dense: missing required argument 'units'");
        hasMessage(HEAD + "  y = dense(h, 10, units=3)\n  output y\n}", "dense: argument 'units' given twice");
        hasMessage(HEAD + "  y = dense(h, 10, 3, 4, 5, 6, 7, 8, 9, 10)\n  output y\n}", "dense: too many arguments");
    }

    @Test
    void denseOnAnUnflattenedInputSuggestsFlatten() {
        Diagnostic d = single("model m { input x: f32[B, 1, 28, 28]  y = dense(x, 10)  output y }");
        assertEquals("dense: input must be [batch, features], got [B, 1, 28, 28]", d.message());
        assertEquals(List.of("flatten it first: flatten(...)"), d.notes());
    }

    @Test
    void badTypes() {
        Diagnostic d = single("model m { input x: float[B, 4]  output x }");
        assertEquals("unknown element type 'float' (expected f32, f64 or i32)", d.message());
        assertEquals(new SourceSpan(1, 20, 5), d.span());
        hasMessage("model m { input x: f32[B, 4] input q: f32[N, 4] output x }",
                "a model has at most one symbolic (batch) dimension: found 'N' but 'B' is already used");
        hasMessage("model m { input x: f32[B, 4] param p: f32[B, 2] output x }", "unknown dimension 'B': parameter shapes must be known");
        hasMessage("model m { input x: f32[B, 4] param p: i32[2] output x }", "parameter 'p' must have a float type, got i32[2]");
        hasMessage("model m { input x: f32[B, 4] param p: f32[2, 3] = values([1, 2]) output x }",
                "parameter 'p': values() gives 2 numbers but [2, 3] has 6 elements");
    }

    @Test
    void severalErrorsInOneFileAndNoFollowOnErrors() {
        String src = HEAD + """
                  a = dense(h, 10, activation=rellu)
                  b = relu(a) + dense(a, 3)
                  c = matmul(h, h)
                  d = dense(nope, 3)
                  output a, b, c, d
                }
                """;
        List<Diagnostic> ds = check(src).diagnostics();
        assertEquals(List.of("dense: argument 'activation' must be one of none, linear, relu, sigmoid, tanh, softmax, softplus, leaky_relu, elu, gelu, silu, swish, hard_sigmoid, mish, got 'rellu'",
                "matmul: inner dimensions differ: [B, 784] x [B, 784]", "unknown name 'nope'"),
                ds.stream().map(Diagnostic::message).toList());
        assertEquals(List.of(4, 6, 7), ds.stream().map(x -> x.span().line()).toList());
        assertTrue(check(src).models().isEmpty());
    }

    @Test
    void syntaxErrorsSayWhatWasExpected() {
        Diagnostic d = single("model a {\n  input x: f32[B, 4]\n  h = dense(x, 3)\nmodel b { input x: f32[B, 3] output x }\n");
        assertEquals("expected '}' but found 'model'", d.message());
        assertEquals(new SourceSpan(4, 1, 5), d.span());
        hasMessage("model a { input x: f32[B, 4] @ output x }", "t.net:1:30: error: unexpected character '@'");
        hasMessage("model a { input x: f32[B, 4]\n y = (x + \n output x }", "t.net:3:2: error: expected an expression but found 'output'");
        hasMessage("model a { input x f32[B, 4] output x }", "t.net:1:19: error: expected ':' but found 'f32'");
    }

    @Test
    void syntaxErrorsAreReportedSeveralPerFileButCapped() {
        String bad = "model a { input x: f32[B, 4] y = ) output x }\n";
        List<Diagnostic> two = check(bad + bad.replace("model a", "model b")).diagnostics();
        assertEquals(2, two.size(), () -> DiagnosticRenderer.renderAll(two));
        CheckResult many = check(bad.repeat(200));
        assertEquals(Parsing.MAX_SYNTAX_ERRORS, many.diagnostics().size());
        assertEquals(new ErrorCount(180, true), many.omitted());
    }

    /** Issue 10: 30 syntax errors ended with "20 errors"; the count is the true one and says how many were not shown. */
    @Test
    void syntaxErrorsBeyondTheShownOnesAreCountedTruthfully() {
        String bad = "model a { input x: f32[B, 4] y = ) output x }\n";
        String thirty = check(bad.repeat(30)).render();
        assertEquals(20, thirty.split(": error: ", -1).length - 1, thirty);
        assertTrue(thirty.endsWith("\n10 more errors not shown\n30 errors\n"), thirty);
        String few = check(bad.repeat(3)).render();
        assertTrue(few.endsWith("\n3 errors\n") && !few.contains("not shown"), few);
        // counting stops somewhere: then the count is a lower bound and says so
        String thousands = check(bad.repeat(3 * Parsing.MAX_COUNTED_ERRORS)).render();
        assertTrue(thousands.endsWith("\nat least " + (Parsing.MAX_COUNTED_ERRORS - Parsing.MAX_SYNTAX_ERRORS)
                + " more errors not shown (netc stopped counting there)\nat least " + Parsing.MAX_COUNTED_ERRORS + " errors\n"), thousands);
    }

    @Test
    void emptyFileHasNoModel() {
        for (String text : List.of("", "  # only a comment\n", "block b(x) { return x }")) {
            Diagnostic d = single(text);
            assertEquals("no model defined in t.net", d.message());
            assertEquals(new SourceSpan(1, 1, 1), d.span());
        }
    }

    @Test
    void binaryGarbageGivesOneError() {
        StringBuilder sb = new StringBuilder("model");
        for (int i = 0; i < 5000; i++) sb.append((char) (i % 32));
        Diagnostic d = single(sb.toString());
        assertEquals("t.net does not look like a .net source file: it contains the control character U+0000 (binary data?)", d.message());
        assertEquals(new SourceSpan(1, 6, 1), d.span());
    }

    @Test
    void modelAndTrainLevelErrors() {
        hasMessage("model m { input x: f32[B, 2] output x }\nmodel m { input x: f32[B, 2] output x }", "t.net:2:7: error: model 'm' is already defined");
        hasMessage("model m { input x: f32[B, 2] output x }\ntrain mm { }", "train block for unknown model 'mm'");
        hasMessage("model m { input x: f32[B, 2] y = x }", "model 'm' has no outputs");
        String model = "model m { input x: f32[B, 2] logits = dense(x, 2) output logits }\n";
        hasMessage(model + "train m { input y: i32[B] optimizer = sgd(lr=0.1) batch = 4 }", "train block for 'm' has no loss");
        hasMessage(model + "train m { input y: i32[B] loss = logits optimizer = sgd(lr=0.1) batch = 4 }",
                "loss must be a scalar float tensor, got f32[B, 2]");
        hasMessage(model + "train m { input y: i32[B, 2] loss = softmax_cross_entropy(logits, y) optimizer = sgd(lr=0.1) batch = 4 }",
                "softmax_cross_entropy: i32 labels must have shape [B] for logits [B, 2], got [B, 2]");
        hasMessage(model + "train m { input y: i32[B] loss = softmax_cross_entropy(logits, y) optimizer = sgd(lr=0.1) batch = 4 lr = 3 }",
                "unknown train setting 'lr' (expected one of: loss, optimizer, batch, epochs, steps, dataset, metrics, schedule, param_groups)");
        hasMessage(model + "train m { input y: i32[B] loss = softmax_cross_entropy(logits, y) optimizer = adagrad(lr=0.1) batch = 4 }",
                "unknown optimizer 'adagrad' (expected one of: sgd, adam, rmsprop, adadelta)");
        hasMessage(model + "train m { input y: i32[B] loss = softmax_cross_entropy(logits, y) optimizer = sgd(lr=0.1) batch = 4 epochs = 1 steps = 2 }",
                "set either epochs or steps, not both");
    }

    @Test
    void recursiveBlocksAreAnError() {
        String src = "block a(x) { return b(x) }\nblock b(x) { return a(x) }\nmodel m { input x: f32[B, 2] y = a(x) output y }";
        Diagnostic d = single(src);
        assertEquals("block 'a' calls itself recursively: a -> b -> a", d.message());
        assertEquals(new SourceSpan(2, 21, 1), d.span());
        assertEquals(List.of("in block 'b' (instance 'a/b') called at 1:21", "in block 'a' (instance 'a') called at 3:34"), d.notes());
    }

    @Test
    void errorsInsideABlockNameTheCallSite() {
        String src = "block b(x, n) { return dense(x, units=n, activation=rellu) }\nmodel m { input x: f32[B, 2]\n y = b(x, 3)\n z = b(y, 4)\n output z }";
        Diagnostic d = single(src); // the same error in both expansions is reported once
        assertEquals(List.of("did you mean 'relu'?", "in block 'b' (instance 'b') called at 3:6"), d.notes());
    }

    @Test
    void renderAllCapsAtFiftyAndCounts() {
        StringBuilder src = new StringBuilder("model m { input x: f32[B, 2]\n");
        for (int i = 0; i < 60; i++) src.append("  y").append(i).append(" = nope").append(i).append(" + x\n");
        src.append("output x }\n");
        List<Diagnostic> ds = check(src.toString()).diagnostics();
        assertEquals(60, ds.size());
        String out = DiagnosticRenderer.renderAll(ds);
        assertEquals(50, out.split("error: unknown name", -1).length - 1);
        assertTrue(out.endsWith("\n10 more errors not shown\n60 errors\n"), out);
    }
}
