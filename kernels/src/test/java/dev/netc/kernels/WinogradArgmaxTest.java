package dev.netc.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tie classes of a Winograd tile's four cells: which 5 x 5 patches are equal, read from the image's
 * pixel relations, against a brute-force comparison of the patches (ConvWinogradTest checks the argmax
 * these classes feed against float64).
 */
class WinogradArgmaxTest {
    private static final int ROWS = 9, COLS = 11, CP = GemmMicroKernel.VL * 2;

    /** Uniform, uniform along rows, uniform along columns, random, half-and-half, and mostly negative images. */
    @Test
    void classesNameTheFirstEqualPatch() {
        var random = new SplittableRandom(5);
        for (int kind = 0; kind < 6; kind++) {
            float[] image = new float[ROWS * COLS * CP];
            for (int row = 0; row < ROWS; row++) {
                for (int col = 0; col < COLS; col++) {
                    for (int ch = 0; ch < CP; ch++) {
                        float value = switch (kind) {
                            case 0 -> ch;                       // uniform
                            case 1 -> row * 100 + ch;           // each row uniform along x
                            case 2 -> col * 100 + ch;           // each column uniform along y
                            case 3 -> (float) random.nextDouble();
                            case 4 -> col < 5 ? ch : row * 100 + col * 7 + ch; // the left part uniform
                            // the largest |x| negative, inside the image (row 4, column 5)
                            default -> (row + col) % 3 == 0 ? -(row + ch + 1 + (row == 4 && col == 5 ? 50 : 0)) : 0.5f * ch;
                        };
                        image[(row * COLS + col) * CP + ch] = value;
                    }
                }
            }
            byte[] relations = new byte[ROWS * COLS];
            float largest = WinogradArgmax.pixelRelations(image, ROWS, COLS, CP, relations);
            float expectedLargest = 0;
            for (float v : image) expectedLargest = Math.max(expectedLargest, Math.abs(v));
            assertEquals(expectedLargest, largest, "largest |x| of kind " + kind);
            for (int top = 0; top + 6 <= ROWS; top++) {
                for (int left = 0; left + 6 <= COLS; left++) {
                    float[] classes = new float[4];
                    WinogradArgmax.cellClasses(relations, COLS, top, left, classes, 0);
                    assertArrayEquals(bruteForce(image, top, left), classes, "kind " + kind + " tile at " + top + ", " + left);
                }
            }
        }
    }

    @Test
    void knownClasses() {
        float[] rowsUniform = new float[ROWS * COLS * CP];
        for (int i = 0; i < rowsUniform.length; i++) rowsUniform[i] = i / (COLS * CP);
        byte[] relations = new byte[ROWS * COLS];
        WinogradArgmax.pixelRelations(rowsUniform, ROWS, COLS, CP, relations);
        float[] classes = new float[4];
        WinogradArgmax.cellClasses(relations, COLS, 1, 2, classes, 0);
        assertArrayEquals(new float[] {0, 0, 2, 2}, classes, "rows uniform along x: the cells of a row are equal");
    }

    /** For each cell, the first cell whose patch is equal value for value. */
    private static float[] bruteForce(float[] image, int top, int left) {
        float[] classes = new float[4];
        for (int q = 0; q < 4; q++) {
            classes[q] = q;
            for (int p = 0; p < q; p++) {
                if (samePatch(image, top, left, p, q)) {
                    classes[q] = p;
                    break;
                }
            }
        }
        return classes;
    }

    private static boolean samePatch(float[] image, int top, int left, int p, int q) {
        for (int ky = 0; ky < 5; ky++) {
            for (int kx = 0; kx < 5; kx++) {
                for (int ch = 0; ch < CP; ch++) {
                    float a = image[((top + p / 2 + ky) * COLS + left + p % 2 + kx) * CP + ch];
                    float b = image[((top + q / 2 + ky) * COLS + left + q % 2 + kx) * CP + ch];
                    if (a != b) return false;
                }
            }
        }
        return true;
    }
}
