package dev.netc.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NormalizationTest {
    /** Two examples of shape [2, 2]: channel 0 holds 1, 3 / 5, 7; channel 1 is constant 4. */
    static final DatasetSplits SPLITS = new DatasetSplits(
            new Dataset("train", new int[] {2, 2}, new float[] {1, 3, 4, 4, 5, 7, 4, 4}, new int[] {0, 1}, 2),
            Optional.of(new Dataset("test", new int[] {2, 2}, new float[] {4, 4, 6, 4}, new int[] {1}, 2)));

    @Test
    void standardUsesTrainingStatisticsPerChannel() {
        DatasetSplits s = Normalization.STANDARD.apply(SPLITS);
        // Channel 0: mean 4, population std sqrt(5); channel 1: constant, only centred.
        float r = (float) (1 / Math.sqrt(5));
        assertArrayEquals(new float[] {-3 * r, -r, 0, 0, r, 3 * r, 0, 0}, s.train().features(), 1e-6f);
        assertArrayEquals(new float[] {0, 0, 2, 0}, s.test().get().features(), 1e-6f);
        assertArrayEquals(SPLITS.train().labels(), s.train().labels());
    }

    @Test
    void minmaxMapsTheTrainingRangeToZeroOne() {
        DatasetSplits s = Normalization.MINMAX.apply(SPLITS);
        assertArrayEquals(new float[] {0, 1 / 3f, 0, 0, 2 / 3f, 1, 0, 0}, s.train().features(), 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0.5f, 2, 0}, s.test().get().features(), 1e-6f);
    }

    @Test
    void noneAndParsing() throws DataException {
        assertSame(SPLITS, Normalization.NONE.apply(SPLITS));
        assertEquals(Normalization.STANDARD, Normalization.parse("standard", "d"));
        assertEquals("dataset csv: normalize must be one of none, standard, minmax, got 'zscore'",
                assertThrows(DataException.class, () -> Normalization.parse("zscore", "dataset csv")).getMessage());
    }
}
