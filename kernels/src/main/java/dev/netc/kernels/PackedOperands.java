package dev.netc.kernels;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One model's cache of packed GEMM operands ({@link GemmPanels}) for matrices it promises not to change
 * while the cache is on: its parameters during inference. Off (the default) it packs nothing and
 * {@link #panels} answers null, so every product packs its operand itself, as training needs (the
 * weights change every step). Turning it on or off drops what it holds.
 *
 * <p>Not thread-safe: a model runs its passes on one thread at a time.
 */
public final class PackedOperands {
    private boolean enabled;
    private final Map<float[], GemmPanels> panels = new IdentityHashMap<>();
    /** Kernel-specific rearrangements (transformed filters), by source array (its identity), then layout name. */
    private final Map<float[], Map<String, float[]>> prepared = new IdentityHashMap<>();

    /** Turns the cache on (the matrices it will be asked for stay unchanged until it is turned off) or off. */
    public void enable(boolean on) {
        enabled = on;
        panels.clear();
        prepared.clear();
    }

    public boolean enabled() {
        return enabled;
    }

    /** The panels of op(b) (k x n), packed on first use, while on; null while off. */
    public GemmPanels panels(boolean transB, int k, int n, float[] b) {
        if (!enabled) return null;
        GemmPanels held = panels.get(b);
        if (held == null || !held.packs(transB, k, n, b, 0)) {
            held = GemmPanels.pack(transB, k, n, b, 0);
            panels.put(b, held);
        }
        return held;
    }

    /**
     * A kernel's own rearrangement of {@code source} (named by {@code layout}) kept by {@link #keep}, while on; null
     * while off or before it is kept. A lookup allocates nothing (a model's inference pass asks every call).
     */
    float[] prepared(float[] source, String layout) {
        if (!enabled) return null;
        Map<String, float[]> layouts = prepared.get(source);
        return layouts == null ? null : layouts.get(layout);
    }

    /** Keeps {@code made}, the rearrangement of source named layout, while on (off: keeps nothing). */
    void keep(float[] source, String layout, float[] made) {
        if (enabled) prepared.computeIfAbsent(source, key -> new java.util.HashMap<>()).put(layout, made);
    }
}
