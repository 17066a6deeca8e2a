package dev.netc.bench;

import java.util.SplittableRandom;

/** Random benchmark inputs. */
final class BenchData {
    private BenchData() {}

    static float[] random(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
