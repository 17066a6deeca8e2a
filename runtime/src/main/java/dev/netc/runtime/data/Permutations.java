package dev.netc.runtime.data;

import java.util.SplittableRandom;

/** Seeded permutations (Fisher-Yates), shared by dataset splitting and batch shuffling. */
public final class Permutations {
    private Permutations() {}

    /** A uniformly random permutation of 0..n-1 drawn from {@code random}. */
    public static int[] shuffled(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
