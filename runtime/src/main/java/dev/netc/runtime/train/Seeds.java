package dev.netc.runtime.train;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent random streams from one user seed, so each consumer (a parameter, an epoch's
 * shuffle, dropout) gets numbers that depend only on the seed and its own name, never on the order in
 * which other consumers drew theirs.
 */
public final class Seeds {
    private Seeds() {}

    /** A seed for stream {@code stream} under {@code seed} (SplitMix64 finaliser of their combination). */
    public static long derive(long seed, long stream) {
        return mix(mix(seed) + 0x9E3779B97F4A7C15L * (stream + 1));
    }

    /** A seed for the stream named {@code name} under {@code seed} (FNV-1a of the UTF-8 name). */
    public static long derive(long seed, String name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xFF;
            hash *= 0x100000001b3L;
        }
        return derive(seed, hash);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
