package dev.netc.codegen.cuda;

import dev.netc.ir.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the text of one {@code extern "C" __global__} function: collects its parameters as the body
 * reads and writes buffers (read-only ones become {@code const __restrict__}), and records the launch.
 * Every function takes {@code int batch} first.
 */
final class KernelWriter {
    /** A parameter: its C type without the name, and whether the kernel writes through it. */
    private record Param(String elementType, boolean scalar, boolean written) {}

    private final String function;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final StringBuilder body = new StringBuilder();
    private int depth = 1;

    KernelWriter(String function) {
        this.function = function;
        params.put("batch", new Param("int", true, false));
    }

    String function() { return function; }

    /** A buffer the kernel reads; returns its name. */
    String in(String buffer, Node n) { return in(buffer, CudaBuffers.elementType(n)); }

    String in(String buffer, String elementType) {
        params.putIfAbsent(buffer, new Param(elementType, false, false));
        return buffer;
    }

    /** A buffer the kernel writes (and may read); returns its name. */
    String out(String buffer, Node n) { return out(buffer, CudaBuffers.elementType(n)); }

    String out(String buffer, String elementType) {
        params.put(buffer, new Param(elementType, false, true));
        return buffer;
    }

    /** A scalar argument from {@link LaunchSpec#SCALARS}; returns its name. */
    String scalar(String name) {
        params.putIfAbsent(name, new Param(LaunchSpec.scalarType(name), true, false));
        return name;
    }

    /** Appends one line at the current depth. */
    KernelWriter line(String code) {
        body.append("    ".repeat(depth)).append(code).append('\n');
        return this;
    }

    /** Appends {@code header {} and indents. */
    KernelWriter open(String header) {
        line(header + " {");
        depth++;
        return this;
    }

    /** Indents (or, with a negative amount, outdents) the following lines. */
    KernelWriter indent(int levels) {
        depth += levels;
        return this;
    }

    KernelWriter close() {
        depth--;
        return line("}");
    }

    /** Appends lines of pre-indented text (each at the current depth). */
    KernelWriter lines(String text) {
        for (String l : text.split("\n", -1)) if (!l.isEmpty()) line(l);
        return this;
    }

    /** The function text and its launch. */
    GeneratedKernel finish(String doc, String planKernel, String phase, List<String> grid, int threads) {
        if (depth != 1) throw new IllegalStateException(function + ": unbalanced braces");
        List<String> decl = new ArrayList<>();
        for (var e : params.entrySet()) {
            Param p = e.getValue();
            if (p.scalar()) decl.add(p.elementType() + " " + e.getKey());
            else decl.add((p.written() ? "" : "const ") + p.elementType() + "* __restrict__ " + e.getKey());
        }
        String source = doc + "extern \"C\" __global__ void __launch_bounds__(" + threads + ") " + function + "(\n        "
                + String.join(", ", decl) + ") {\n" + body + "}\n";
        LaunchSpec launch = new LaunchSpec(function, planKernel, phase, grid, List.of(threads, 1, 1), 0, List.copyOf(params.keySet()));
        return new GeneratedKernel(source, launch);
    }

    /** Blocks needed to cover {@code count} items with {@code per} items per block, as a C expression. */
    static String blocks(String count, int per) { return "(" + count + " + " + (per - 1) + ") / " + per; }

    /** One CUDA function and how to launch it. */
    record GeneratedKernel(String source, LaunchSpec launch) {}
}
