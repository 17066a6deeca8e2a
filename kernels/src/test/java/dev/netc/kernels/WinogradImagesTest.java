package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The channels-last images {@link WinogradImages} makes from a planar input, value for value against a plain copy:
 * the transposed blocks (whole vectors of channels and pixels, the last block of a plane overlapping the one before),
 * the channels past the last whole vector, the zero border and padded channels, and the gathered form for planes
 * smaller than a vector; and the images of a pooled gradient expanded by its argmax. The buffer starts full of NaN, so a
 * value left unwritten shows.
 */
class WinogradImagesTest {

    @ParameterizedTest(name = "c={0} h={1} w={2} pad={3}")
    @CsvSource({
            "32, 14, 14, 2",  // MNIST conv2: 196 pixels, the last block overlapping
            "17, 9, 7, 2",    // a channel past the whole vectors (16 floats), rows shorter than a vector
            "20, 12, 16, 0",  // no border
            "16, 10, 10, 1",  // padding 1
            "24, 2, 2, 2",    // four pixels: fewer than a vector, gathered
            "40, 5, 6, 2"})   // odd planes and channels in both vector shapes
    void fillIsThePlanarImageChannelsLastInsideAZeroBorder(int c, int h, int w, int pad) {
        ConvGeometry g = ConvGeometry.of(c, h, w, 8, 5, 5, 1, pad, pad, h + 2 * pad - 4, w + 2 * pad - 4);
        int n = 3, plane = h * w;
        float[] x = new float[n * c * plane];
        SplittableRandom random = new SplittableRandom(c * 31 + h);
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextDouble() * 2 - 1);
        assertFills(WinogradImages.images(g, x), g, n, (i, ch, iy, ix) -> x[(i * c + ch) * plane + iy * w + ix]);
    }

    @ParameterizedTest(name = "c={0} h={1} w={2} pad={3}")
    @CsvSource({
            "64, 14, 14, 2",  // MNIST conv2's backward-data: 49 windows, the last block overlapping
            "17, 10, 6, 2",   // a plane past the whole vectors, 15 windows: fewer than a vector with 16 floats
            "33, 12, 12, 1",
            "24, 4, 4, 2"})   // four windows: gathered in both shapes
    void expandedGradientPutsEachPooledValueOnItsArgmaxCell(int c, int h, int w, int pad) {
        ConvGeometry g = ConvGeometry.of(c, h, w, 8, 5, 5, 1, pad, pad, h + 2 * pad - 4, w + 2 * pad - 4);
        int n = 2, windows = (h / 2) * (w / 2);
        float[] dyPooled = new float[n * c * windows];
        byte[] argmax = new byte[dyPooled.length];
        SplittableRandom random = new SplittableRandom(c * 7 + h);
        for (int i = 0; i < dyPooled.length; i++) {
            dyPooled[i] = (float) (random.nextDouble() * 2 - 1);
            argmax[i] = (byte) random.nextInt(4);
        }
        assertFills(new WinogradImages.Expanded().of(g, dyPooled, argmax), g, n, (i, ch, iy, ix) -> {
            int at = (i * c + ch) * windows + (iy / 2) * (w / 2) + ix / 2;
            return argmax[at] == (iy % 2) * 2 + ix % 2 ? dyPooled[at] : 0f;
        });
    }

    /** The value source should put at image i's channel ch, pixel (iy, ix) of the unbordered image. */
    private interface Expected {
        float at(int image, int ch, int iy, int ix);
    }

    /** Each of n images filled into a NaN buffer: the expected values inside the border, zero on it and past c. */
    private static void assertFills(ConvWinograd.Source source, ConvGeometry g, int n, Expected expected) {
        PaddedImage padded = PaddedImage.of(g);
        int cp = ConvWinograd.paddedChannels(g.c());
        float[] image = new float[padded.rows() * padded.cols() * cp];
        for (int i = 0; i < n; i++) {
            Arrays.fill(image, Float.NaN);
            source.fill(i, image);
            for (int row = 0; row < padded.rows(); row++) {
                for (int col = 0; col < padded.cols(); col++) {
                    int iy = row - g.padTop(), ix = col - g.padLeft();
                    boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                    for (int ch = 0; ch < cp; ch++) {
                        float value = inside && ch < g.c() ? expected.at(i, ch, iy, ix) : 0f;
                        assertEquals(Float.floatToRawIntBits(value), Float.floatToRawIntBits(image[(row * padded.cols() + col) * cp + ch]),
                                "image " + i + " row " + row + " col " + col + " channel " + ch);
                    }
                }
            }
        }
    }
}
