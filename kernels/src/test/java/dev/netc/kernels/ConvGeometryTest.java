package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Geometries and padded images reused across calls: equal values give one object, other values their own. */
class ConvGeometryTest {
    @Test
    void recentGeometriesAndPaddedImagesAreReusedAndOthersKeepTheirValues() {
        ConvGeometry first = ConvGeometry.of(3, 11, 13, 5, 3, 3, 1, 1, 1, 11, 13);
        assertSame(first, ConvGeometry.of(3, 11, 13, 5, 3, 3, 1, 1, 1, 11, 13));
        assertSame(PaddedImage.of(first), PaddedImage.of(ConvGeometry.of(3, 11, 13, 5, 3, 3, 1, 1, 1, 11, 13)));
        // forty other geometries push the first out of the 32 kept: a new object, the same values
        for (int i = 0; i < 40; i++) {
            ConvGeometry other = ConvGeometry.of(3, 11, 13, 5 + i + 1, 3, 3, 1, 1, 1, 11, 13);
            assertEquals(5 + i + 1, other.f());
            assertNotEquals(first, other);
            assertEquals(new PaddedImage(other, 13, 15), PaddedImage.of(other));
        }
        ConvGeometry again = ConvGeometry.of(3, 11, 13, 5, 3, 3, 1, 1, 1, 11, 13);
        assertEquals(first, again);
        assertEquals(new PaddedImage(first, 13, 15), PaddedImage.of(again));
    }
}
