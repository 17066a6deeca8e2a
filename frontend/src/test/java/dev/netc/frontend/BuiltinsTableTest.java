package dev.netc.frontend;

import static dev.netc.frontend.Check.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The table of builtin functions is the only place a builtin is named: its names are the builtin
 * names, every entry (and each of its forms) is what a call of that name binds to, and its
 * parameter lists are what the diagnostics list.
 */
class BuiltinsTableTest {

    private static List<String> names() { return Builtins.TABLE.stream().map(Builtins.Builtin::name).toList(); }

    @Test
    void theTableNamesEveryBuiltinOnce() {
        List<String> names = names();
        assertEquals(names.size(), new HashSet<>(names).size(), () -> "a name with two entries in " + names);
        assertEquals(new LinkedHashSet<>(names), Builtins.NAMES);
        for (String n : names) assertEquals(n, Builtins.lookup(n).orElseThrow().name());
        assertTrue(Builtins.lookup("denes").isEmpty());
    }

    @Test
    void everyActivationFunctionIsAnActivationEntry() {
        for (Activations.Entry a : Activations.TABLE) {
            if (!a.function()) continue;
            Builtins.Builtin b = Builtins.lookup(a.name()).orElseThrow();
            assertEquals(Builtins.Kind.ACTIVATION, b.kind(), a.name());
            List<String> expected = new ArrayList<>(List.of("x"));
            expected.addAll(a.parameters());
            assertEquals(expected, b.parameters(), a.name());
        }
        // softmax is both: the op softmax(x, axis) and the layer activation softmax.
        assertEquals(Builtins.Kind.OP, Builtins.lookup("softmax").orElseThrow().kind());
        assertTrue(Builtins.lookup("none").isEmpty(), "activation=none is not a function");
    }

    @Test
    void parameterListsAreConsistent() {
        for (Builtins.Builtin b : Builtins.TABLE) {
            for (List<String> specs : b.signatures()) {
                Set<String> seen = new HashSet<>();
                boolean optional = false;
                for (String spec : specs) {
                    assertTrue(spec.matches("[a-z][a-z0-9_]*\\??"), () -> b.name() + ": bad parameter spec '" + spec + "'");
                    String name = bare(spec);
                    assertTrue(seen.add(name), () -> b.name() + ": parameter '" + name + "' twice in " + specs);
                    if (spec.endsWith("?")) optional = true;
                    else assertTrue(!optional, () -> b.name() + ": required '" + name + "' after an optional parameter in " + specs);
                }
            }
        }
    }

    /** Each form's parameters are what the "unknown argument" diagnostic lists, so each form is reached by some call. */
    @Test
    void everyEntryAndFormIsReachedByItsName() {
        for (Builtins.Builtin b : Builtins.TABLE) {
            Set<String> messages = new HashSet<>();
            for (String args : List.of("bogus=1", "x, bogus=1", "x, x, bogus=1"))
                for (Diagnostic d : check("model m {\n  input x: f32[B, 4]\n  y = " + b.name() + "(" + args + ")\n  output x\n}\n").diagnostics())
                    messages.add(d.message());
            for (List<String> specs : b.signatures()) {
                String expected = b.name() + ": unknown argument 'bogus' (expected one of: "
                        + String.join(", ", specs.stream().map(BuiltinsTableTest::bare).toList()) + ")";
                assertTrue(messages.contains(expected), () -> "no call reached '" + expected + "', got " + messages);
            }
        }
    }

    @Test
    void everyNameIsKnownAsAFunction() {
        for (String n : names()) {
            Diagnostic block = check("block " + n + "(a) { return a }\nmodel m { input x: f32[B, 4]  output x }\n").diagnostics().getFirst();
            assertEquals("block '" + n + "' has the name of a builtin function", block.message());
            Diagnostic bare = check("model m { input x: f32[B, 4]  y = x + " + n + "  output y }\n").diagnostics().getFirst();
            assertEquals("unknown name '" + n + "'", bare.message());
            assertTrue(bare.notes().contains("'" + n + "' is a function; call it as " + n + "(...)"), () -> n + ": " + bare.notes());
        }
    }

    @Test
    void conv2dIsALayerWithAnOpForm() {
        Builtins.Builtin conv = Builtins.lookup("conv2d").orElseThrow();
        assertEquals(Builtins.Kind.LAYER, conv.kind());
        assertEquals(List.of("x", "w", "stride?", "padding?"), conv.variant().parameters());
        for (String r : List.of("l1", "l2", "l1_l2")) {
            Builtins.Builtin reg = Builtins.lookup(r).orElseThrow();
            assertEquals(Builtins.Kind.REGULARIZER, reg.kind());
            assertEquals("x", reg.variant().parameters().getFirst(), r + ": the penalty form takes the tensor first");
        }
    }

    private static String bare(String spec) { return spec.endsWith("?") ? spec.substring(0, spec.length() - 1) : spec; }
}
