package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GemmNarrow}, the product at most one vector wide, has the bits of the blocked product ({@link GemmCall}) it
 * replaces for those shapes: over several k blocks, with beta 0 and 1, op(a) transposed or not, with each epilogue, and
 * with b ending at its array's end (its last rows read from a padded copy) or not.
 */
class GemmNarrowTest {
    static Stream<Arguments> cases() {
        // columns: 10 (ten classes) where a vector holds them, else a whole vector or one short of it
        int vl = GemmMicroKernel.VL, ten = Math.min(10, vl);
        int[][] sizes = {{1, 1, 1}, {7, 3, 300}, {50, ten, 1024}, {50, ten, 2 * Gemm.KC + 37}, {1024, ten, 50}, {9, vl, 5},
                {130, vl - 1, 70}, {300, 2, Gemm.KC + 1}};
        Stream.Builder<Arguments> all = Stream.builder();
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 1f}) {
                    for (int epilogue = 0; epilogue < 3; epilogue++) {
                        for (int slack : new int[] {0, 19}) all.add(Arguments.of(s[0], s[1], s[2], transA, beta, epilogue, slack));
                    }
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} beta={4} epilogue={5} slack={6}")
    @MethodSource("cases")
    void hasTheBlockedProductsBits(int m, int n, int k, boolean transA, float beta, int epilogueKind, int slack) {
        assertTrue(GemmNarrow.suits(m, n, k, false));
        var random = new SplittableRandom(m * 131L + n * 17L + k + (transA ? 1 : 0) + epilogueKind * 7L + slack);
        int aOff = 3, bOff = 5, cOff = 2;
        float[] a = Reference.random(random, aOff + m * k);
        float[] b = Reference.random(random, bOff + k * n + slack);
        float[] c = Reference.random(random, cOff + m * n + 4);
        float[] bias = Reference.random(random, n);
        float[] gate = Reference.random(random, c.length);
        Epilogue epilogue = switch (epilogueKind) {
            case 0 -> Epilogue.NONE;
            case 1 -> Epilogue.of(null, bias, Activation.RELU);
            default -> Epilogue.of(null, null, Activation.NONE, gate);
        };
        float[] blocked = c.clone();
        GemmCall call = new GemmCall();
        call.packingFrom(false, b, bOff);
        call.run(transA, m, n, k, a, aOff, call.packFromB, null, beta, blocked, cOff, epilogue);

        GemmNarrow.multiply(transA, m, n, k, a, aOff, b, bOff, beta, c, cOff, epilogue.isIdentity() ? null : epilogue);

        assertArrayEquals(blocked, c, "the blocked product's bits, and nothing written outside c");
    }
}
