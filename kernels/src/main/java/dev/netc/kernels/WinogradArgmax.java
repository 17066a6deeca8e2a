package dev.netc.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The training forward pass's 2 x 2 max pooling on {@link ConvWinograd}'s outputs: each window's maximum
 * and its argmax, the argmax decided as the convolution in exact arithmetic would decide it.
 *
 * <p>Why: the argmax says where the window's gradient goes. Winograd rounds differently from a direct
 * convolution (up to about 1.6e-7 of the inputs' largest |x| times the filter's L1 norm), so a near tie
 * can go the other way than in the direct kernels of the unfused build or the CUDA backend, and the
 * gradient then lands on another cell. Two kinds of tie are handled:
 * <ul>
 *   <li>exact ties by structure: cells whose 5 x 5 patches are equal value for value (a uniform background,
 *       common in images) have equal outputs in exact arithmetic and in any direct kernel, but not after
 *       Winograd's transforms. Which pixels equal their right and lower neighbours is found once per image
 *       ({@link #pixelRelations}), each tile's cells are grouped from those bits once for every filter
 *       ({@link #cellClasses}), and only the first cell of each class competes, so the earliest wins as in
 *       {@link PoolWindows};</li>
 *   <li>near ties: when the two best pre-activation values of distinct patches are within
 *       {@link #NEAR_TIE} x (the image's largest |x|) x (the filter's L1 norm), or the best is that close to
 *       the activation's floor (ReLU's 0), the window is recomputed directly in float64 from the bordered
 *       image. On random data Winograd's error stayed below 1.6e-7 of that bound (12.5 million outputs);
 *       in MNIST training about 0.07% of windows are recomputed.</li>
 * </ul>
 */
final class WinogradArgmax {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    /** The near-tie threshold relative to the image's max |x| times the filter's L1 norm (6x the worst error seen). */
    static final float NEAR_TIE = 1e-6f;
    /** The four cells of a window, (dy, dx) = (q / 2, q % 2). */
    private static final int CELLS = 4;

    private static final Scratch LANES = new Scratch();

    private WinogradArgmax() {}

    /** Each filter's L1 norm (w is [f][c][5][5]) into norms[0, f). */
    static float[] filterNorms(int f, int c, float[] w, float[] norms) {
        int taps = c * 25;
        for (int o = 0; o < f; o++) { // a bound, not a result: float will do
            int from = o * taps, i = from;
            FloatVector sum = FloatVector.zero(S);
            for (int upper = from + S.loopBound(taps); i < upper; i += VL) sum = sum.add(FloatVector.fromArray(S, w, i).abs());
            float[] lanes = LANES.atLeast(VL);
            sum.intoArray(lanes, 0); // not sum.lane(l): with a variable l it boxes the vector (8 floats: every call)
            float norm = 0f;
            for (int l = 0; l < VL; l++) norm += lanes[l]; // lane by lane: the same bits in every JIT tier
            for (; i < from + taps; i++) norm += Math.abs(w[i]);
            norms[o] = norm;
        }
        return norms;
    }

    /** Bits of {@link #pixelRelations}: the pixel equals its right neighbour, the one below. */
    private static final int RIGHT = 1, BELOW = 2;

    /**
     * For each pixel of the bordered image ([rows][cols][cp], channels last), which neighbours equal it in every
     * channel (bits {@link #RIGHT}, {@link #BELOW}) to relations[pixel]. Once per image, so that each tile's
     * check ({@link #cellClasses}) reads bytes instead of comparing channels. Returns the image's largest |x|.
     */
    static float pixelRelations(float[] bordered, int rows, int cols, int cp, byte[] relations) {
        // |x| compared as floats: the same maximum as comparing their bits as ints (a NaN wins either way). Reinterpreted
        // as ints, C2 sometimes compiled this loop with the reinterpret and the int max not intrinsified, after other
        // models' kernels had run: 8.2-8.7 MB of boxed vectors per MNIST training step (JFR allocation samples, the
        // examples suite's NoAllocationTest, one run in three)
        FloatVector largest = FloatVector.zero(S);
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                int pixel = row * cols + col, at = pixel * cp;
                boolean right = col + 1 < cols, below = row + 1 < rows;
                // a missing neighbour is compared with the pixel itself and its bit dropped below; the channels'
                // differences gathered as mask bits, no branch on the data (a branch per channel vector and neighbour
                // made this pass 1.5-1.8x as long: 0.12-0.14 against 0.08 ms for 50 MNIST conv2 inputs on one Zen 5 core)
                int rightAt = right ? at + cp : at, belowAt = below ? at + cols * cp : at;
                long rightDiffers = 0, belowDiffers = 0;
                for (int i = 0; i < cp; i += VL) { // cp is a multiple of the vector length
                    FloatVector v = FloatVector.fromArray(S, bordered, at + i);
                    largest = largest.max(v.abs());
                    rightDiffers |= v.compare(VectorOperators.NE, FloatVector.fromArray(S, bordered, rightAt + i)).toLong();
                    belowDiffers |= v.compare(VectorOperators.NE, FloatVector.fromArray(S, bordered, belowAt + i)).toLong();
                }
                relations[pixel] = (byte) ((right && rightDiffers == 0 ? RIGHT : 0) | (below && belowDiffers == 0 ? BELOW : 0));
            }
        }
        return largest.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Classes of equal patches for the tile whose top-left corner is (top, left), from the image's
     * {@link #pixelRelations}: classes[at + q] = the first cell p &lt;= q whose 5 x 5 patch equals q's in every
     * value, as far as equal neighbours along rows and columns show it (a uniform region; patches equal only
     * along a diagonal are left to the near-tie check). Cells 0 = (0, 0), 1 = (0, 1), 2 = (1, 0), 3 = (1, 1).
     */
    static void cellClasses(byte[] relations, int cols, int top, int left, float[] classes, int at) {
        // rightTop: rows 0-4 of the tile equal their right neighbours in columns 0-4 (cell 0 = cell 1); rightBottom:
        // rows 1-5 (cell 2 = cell 3); belowLeft: columns 0-4 equal the row below in rows 0-4 (cell 0 = cell 2); belowRight:
        // columns 1-5 (cell 1 = cell 3)
        boolean rightTop = true, rightBottom = true, belowLeft = true, belowRight = true;
        for (int ky = 0; ky < ConvWinograd.T && (rightTop || rightBottom || belowLeft || belowRight); ky++) {
            for (int kx = 0; kx < ConvWinograd.T; kx++) {
                int bits = relations[(top + ky) * cols + left + kx];
                boolean right = (bits & RIGHT) != 0, below = (bits & BELOW) != 0;
                if (kx < 5) {
                    rightTop &= ky == 5 || right;
                    rightBottom &= ky == 0 || right;
                }
                if (ky < 5) {
                    belowLeft &= kx == 5 || below;
                    belowRight &= kx == 0 || below;
                }
            }
        }
        float one = rightTop ? 0 : 1;
        float two = belowLeft ? 0 : belowRight && rightBottom ? one : 2; // cell 1 = cell 3 = cell 2
        float three = rightTop && belowRight || belowLeft && rightBottom ? 0 : belowRight ? one : rightBottom ? two : 3;
        classes[at] = 0;
        classes[at + 1] = one;
        classes[at + 2] = two;
        classes[at + 3] = three;
    }

    /**
     * For the filters [f0, f0 + VL): act(y + bias) (bias: one per filter, -0 for none) of the four outputs at
     * y[yAt + q * VL] (cells of distinct patches only, per classes[clsAt ..]), their maximum to out[maxAt ..]
     * and its cell to out[argAt ..] (a later cell wins only when strictly greater), or -1 there for a near
     * tie, which the caller resolves by {@link #resolve}. Returns whether any live lane is a near tie.
     */
    static boolean pool(float[] y, int yAt, float[] bias, int f0, int f, Activation act, float[] classes, int clsAt,
                        float largestInput, float[] norms, float[] out, int maxAt, int argAt) {
        // straight-line vector code, no vector passed to a method of ours (see Activation#inRegisterFloor)
        VectorMask<Float> live = S.indexInRange(f0, f);
        FloatVector b = FloatVector.fromArray(S, bias, f0, live);
        FloatVector tol = FloatVector.fromArray(S, norms, f0, live).mul(NEAR_TIE * largestInput);
        float floor = act.inRegisterFloor();
        FloatVector z = FloatVector.fromArray(S, y, yAt).add(b);
        FloatVector best = z.max(floor), topZ = z, secondZ = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector cell = FloatVector.zero(S);
        for (int q = 1; q < CELLS; q++) {
            // a cell whose patch equals an earlier one's does not compete (-inf): the earlier cell stands for both
            float competes = classes[clsAt + q] == q ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            FloatVector zq = FloatVector.fromArray(S, y, yAt + q * VL).add(b).min(competes);
            FloatVector v = zq.max(floor);
            VectorMask<Float> greater = v.compare(VectorOperators.GT, best);
            best = best.blend(v, greater);
            cell = cell.blend((float) q, greater);
            secondZ = secondZ.max(topZ.min(zq));
            topZ = topZ.max(zq);
        }
        // near: the two best within tol while the best is not clearly below the floor, or the best at the floor
        VectorMask<Float> near = topZ.sub(secondZ).compare(VectorOperators.LE, tol)
                .and(topZ.compare(VectorOperators.GE, tol.neg().add(floor)))
                .or(topZ.sub(floor).abs().compare(VectorOperators.LE, tol))
                .and(live);
        best.intoArray(out, maxAt);
        cell.blend(-1f, near).intoArray(out, argAt);
        return near.anyTrue();
    }

    /**
     * The window of filter o on the tile at (top, left), recomputed directly in float64 (taps in a fixed
     * order, so identical patches give identical sums): act(z) of its four cells, the maximum to out[maxAt]
     * and its cell to out[argAt], a later cell winning only when strictly greater.
     */
    static void resolve(float[] bordered, int cols, int cp, int top, int left, int c, float[] w, float[] bias, int o,
                        Activation act, float[] out, int maxAt, int argAt) {
        double floor = act.inRegisterFloor(), best = 0;
        int winner = -1;
        for (int q = 0; q < CELLS; q++) {
            double z = bias[o];
            for (int ch = 0; ch < c; ch++) {
                int taps = (o * c + ch) * 25;
                for (int ky = 0; ky < 5; ky++) {
                    int at = ((top + q / 2 + ky) * cols + left + q % 2) * cp + ch;
                    for (int kx = 0; kx < 5; kx++) z += (double) w[taps + ky * 5 + kx] * bordered[at + kx * cp];
                }
            }
            double v = Math.max(z, floor);
            if (winner < 0 || v > best) {
                best = v;
                winner = q;
            }
        }
        out[maxAt] = (float) best;
        out[argAt] = winner;
    }
}
