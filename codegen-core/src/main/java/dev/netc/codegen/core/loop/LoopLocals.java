package dev.netc.codegen.core.loop;

import java.util.Set;

/** The names the lowering gives loop variables and locals; buffers must not take them. */
public final class LoopLocals {
    private LoopLocals() {}

    public static final Set<String> NAMES = Set.of(
            "i", "o", "r", "k", "a", "row", "base", "best", "max", "sum", "e", "inv", "lse", "acc", "plane",
            "oy", "ox", "iy", "ix", "y0", "x0", "ylo", "yhi", "xlo", "xhi", "ylo0", "xlo0",
            "oy0", "oy1", "ox0", "ox1", "g", "lrT", "stepRate", "mu", "v", "mi", "vi", "scale", "from", "to", "upper",
            "mean", "var", "rstd", "xhat", "dsum", "dxsum", "n", "count");
}
