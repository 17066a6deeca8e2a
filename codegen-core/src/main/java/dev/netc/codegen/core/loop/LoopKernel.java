package dev.netc.codegen.core.loop;

import java.util.List;

/**
 * One generated function: a plan kernel (or a part of one) lowered to loops. Both printers print
 * this; neither decides what it computes.
 *
 * @param name the function's name
 * @param doc  comment lines (the IR nodes it computes)
 * @param body its statements
 */
public record LoopKernel(String name, List<String> doc, List<Stmt> body) {
    public LoopKernel {
        doc = List.copyOf(doc);
        body = List.copyOf(body);
    }
}
