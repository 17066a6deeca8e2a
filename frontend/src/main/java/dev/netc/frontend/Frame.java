package dev.netc.frontend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One lexical scope being elaborated: a model body or one instance of a block. Holds the bindings
 * (each assignment rebinds a name to a new value), the name prefix of the instance ("conv_pool_1/")
 * and the Keras-style counters that name its layers and nested block instances.
 */
final class Frame {
    final String prefix;
    final Map<String, Value> scope = new LinkedHashMap<>();
    /** Names of the blocks being expanded, outermost first (to detect recursion). */
    final List<String> callStack;
    /** "in block 'b' called at 3:7" notes, innermost first, added to errors found inside the block. */
    final List<String> notes;
    final boolean inBlock;
    /** What the block instance returned, once its return statement ran. */
    Value returned;
    private final Map<String, Integer> counters = new HashMap<>();

    private Frame(String prefix, List<String> callStack, List<String> notes, boolean inBlock) {
        this.prefix = prefix;
        this.callStack = List.copyOf(callStack);
        this.notes = List.copyOf(notes);
        this.inBlock = inBlock;
    }

    static Frame model() { return new Frame("", List.of(), List.of(), false); }

    /** The frame of one expansion of {@code block}, called from this frame at {@code site}. */
    Frame enter(String block, SourceSpan site) {
        String instance = uniqueName(block);
        List<String> stack = new ArrayList<>(callStack);
        stack.add(block);
        List<String> n = new ArrayList<>();
        n.add("in block '" + block + "' (instance '" + instance + "') called at " + Spans.at(site));
        n.addAll(notes);
        return new Frame(instance + "/", stack, n, true);
    }

    /** Keras naming: the first "dense" in this frame is "dense", then "dense_1", ... (with the frame's prefix). */
    String uniqueName(String base) {
        int n = counters.merge(base, 1, Integer::sum) - 1;
        return prefix + (n == 0 ? base : base + "_" + n);
    }

    /** The graph name of a value bound to {@code hint} here, or null. */
    String nodeName(String hint) { return hint == null ? null : prefix + hint; }
}
