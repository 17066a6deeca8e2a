package dev.netc.frontend;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** "Did you mean ...?" suggestions by edit distance. */
final class Names {
    private Names() {}

    static Optional<String> closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = name.length() <= 3 ? 1 : name.length() <= 6 ? 2 : 3;
        for (String c : candidates) {
            if (c.equals(name)) continue;
            int d = distance(name, c);
            if (d <= limit && d < bestDistance) { best = c; bestDistance = d; }
        }
        return Optional.ofNullable(best);
    }

    /** A note list holding "did you mean 'x'?" when a close candidate exists. */
    static List<String> suggest(String name, Collection<String> candidates) {
        return closest(name, candidates).map(s -> List.of("did you mean '" + s + "'?")).orElse(List.of());
    }

    static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 3) return Integer.MAX_VALUE;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
