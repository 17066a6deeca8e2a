package dev.netc.codegen.cuda;

import java.util.List;

/**
 * One device buffer of a compiled model, as listed in the manifest.
 *
 * @param name     the C identifier kernels use for it (also its key in the manifest)
 * @param names    the names users know it by: the input or parameter name, graph output names
 *                 ("logits", "grad/dense/kernel"), or an optimizer state name ("adam_m/dense/kernel")
 * @param dtype    "f32" or "i32"
 * @param count    element count as a C expression of {@code batch}, e.g. {@code batch * 784}
 * @param kind     how the buffer gets its contents
 * @param aliasOf  for {@link Kind#ALIAS} and {@link Kind#SHARED}: the buffer whose memory it uses; else null
 * @param fill     for {@link Kind#CONSTANT}: the value every element holds; else 0
 */
public record BufferSpec(String name, List<String> names, String dtype, String count, Kind kind, String aliasOf, double fill) {

    /** How a buffer gets its contents. */
    public enum Kind {
        /** Written by the host before each pass (model inputs, labels). */ INPUT,
        /** A parameter: allocated once, initialised and trained by the host and the update kernels. */ PARAMETER,
        /** Filled with {@code fill} whenever the batch size changes. */ CONSTANT,
        /** Written by a kernel. */ COMPUTED,
        /** The same memory as {@code aliasOf} (a reshape needs no copy). */ ALIAS,
        /**
         * Written by a kernel into the memory of {@code aliasOf}, a computed buffer at least as large whose
         * lifetime does not overlap this one's (the memory planner's slots).
         */
        SHARED,
        /** Optimizer state (momentum, Adam moments): allocated once, zero-initialised. */ STATE,
        /** Scratch memory of one kernel pair (split-K partial products): no user name, no meaning between steps. */ WORKSPACE
    }

    public BufferSpec {
        names = List.copyOf(names);
    }

    /** True when the buffer has no allocation of its own: it uses {@code aliasOf}'s memory. */
    public boolean usesOthersMemory() { return kind == Kind.ALIAS || kind == Kind.SHARED; }

    /** True when the element count does not depend on the batch size. */
    public boolean isFixedSize() { return !count.contains("batch"); }
}
