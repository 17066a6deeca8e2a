package dev.netc.kernels;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The images {@link ConvWinograd} reads, made per image as a run of tiles reaches it: zero-bordered and
 * channels last ([row][col][cp], cp = c rounded up to a vector), from a planar input or from a pooled
 * gradient expanded by its argmax. Both fill whole vectors of channels with gathers, one plane apart.
 */
final class WinogradImages {
    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final int VL = GemmMicroKernel.VL;
    private static final FloatVector ZERO = FloatVector.zero(S);
    /** A vector of argmax cells ({@link Vectors#LANE_BYTES}; null with 4-float vectors: the cells then go one at a time). */
    private static final VectorSpecies<Byte> BYTES = Vectors.LANE_BYTES;
    /** One image's argmax of a pooled gradient as floats, while {@link Expanded} expands it. */
    private static final Scratch CELLS = new Scratch();
    /** laneStrides(s) at index s, made on first use (an int-keyed map boxed every key over 127: three objects a step). */
    private static volatile int[][] laneStridesByStride = new int[0][];
    /** Strides up to which {@link #laneStrides} keeps its tables (a plane of 256 x 256). */
    private static final int KEPT_STRIDES = 1 << 16;

    private WinogradImages() {}

    /** The gather offsets of a vector whose lanes lie {@code stride} floats apart: lane l at l * stride (made once per stride). */
    static int[] laneStrides(int stride) {
        int[][] kept = laneStridesByStride;
        if (stride < kept.length && kept[stride] != null) {
            return kept[stride];
        }
        int[] made = new int[VL];
        for (int lane = 0; lane < VL; lane++) made[lane] = lane * stride;
        if (stride < KEPT_STRIDES) {
            // a copy with the new table, published whole: a racing thread's table may be lost, not corrupted
            int[][] next = java.util.Arrays.copyOf(kept, Math.max(kept.length, stride + 1));
            next[stride] = made;
            laneStridesByStride = next;
        }
        return made;
    }

    /** The images of x ([n][c][h][w]) as g reads them, in a new {@link Planar} (kernels reuse theirs). */
    static ConvWinograd.Source images(ConvGeometry g, float[] x) {
        return new Planar().of(g, x);
    }

    /** The images of a planar input x ([n][c][h][w]); reusable: {@link #of} points it at another input. */
    static final class Planar implements ConvWinograd.Source {
        private ConvGeometry g;
        private PaddedImage pad;
        private float[] x;
        private int cp;
        private int[] lanes;

        Planar of(ConvGeometry g, float[] x) {
            this.g = g;
            this.x = x;
            pad = PaddedImage.of(g);
            cp = ConvWinograd.paddedChannels(g.c());
            lanes = laneStrides(g.h() * g.w()); // looked up once, not per image
            return this;
        }

        @Override
        public void fill(int image, float[] bordered) {
            channelsLast(g, pad, x, image * g.imageSize(), cp, lanes, bordered);
        }

        void clear() {
            x = null;
        }
    }

    /**
     * The images of a pooled gradient expanded by its argmax (2 x 2 windows): g's input plane p, pixel
     * (2 py + a / 2, 2 px + a % 2) holds dyPooled[image][p][py][px] where a is that window's argmax, zero elsewhere.
     * Window by window, a vector of planes gathered at once (one plane of windows apart) and written to each of the
     * window's four pixels, the value where the argmax names that cell and zero elsewhere: 0.19 ms for 50 of the
     * MNIST CNN's conv2 gradients (one core) against 0.33 one value at a time, a line apart. Reusable: {@link #of}.
     */
    static final class Expanded implements ConvWinograd.Source {
        private ConvGeometry g;
        private PaddedImage pad;
        private float[] dyPooled;
        private byte[] argmax;
        private int[] lanes;

        Expanded of(ConvGeometry g, float[] dyPooled, byte[] argmax) {
            this.g = g;
            this.dyPooled = dyPooled;
            this.argmax = argmax;
            pad = PaddedImage.of(g);
            lanes = laneStrides((g.h() / 2) * (g.w() / 2));
            return this;
        }

        @Override
        public void fill(int image, float[] bordered) {
            int cp = ConvWinograd.paddedChannels(g.c()), cols = pad.cols(), ph = g.h() / 2, pw = g.w() / 2, windows = ph * pw;
            int vectors = g.c() / VL * VL;
            Arrays.fill(bordered, 0, pad.rows() * cols * cp, 0f);
            int from = image * g.c() * windows;
            // the argmax of the whole vectors of planes as floats, then both planes transposed a block of windows at a time
            float[] cells = CELLS.atLeast(vectors * windows + 2 * VL * VL);
            cellsAsFloats(argmax, from, vectors * windows, cells, 0);
            int valuesAt = vectors * windows, cellsAt = valuesAt + VL * VL; // a block's transposed values and cells, [window][VL]
            boolean transposed = windows >= VL && inside(g, pad);
            int[] top = PIXEL_AT.get(); // the block's windows' cell 0 pixels
            for (int w0 = 0; w0 < windows; w0 += transposed ? VL : 1) {
                int first = transposed ? Math.min(w0, windows - VL) : w0, count = transposed ? VL : 1;
                for (int q = 0; q < count; q++) {
                    int window = first + q;
                    top[q] = ((2 * (window / pw) + g.padTop()) * cols + 2 * (window % pw) + g.padLeft()) * cp;
                }
                for (int p0 = 0; p0 < vectors; p0 += VL) {
                    if (transposed) {
                        ChannelsLastTranspose.toBlock(dyPooled, from + p0 * windows + first, windows, cells, valuesAt);
                        ChannelsLastTranspose.toBlock(cells, p0 * windows + first, windows, cells, cellsAt);
                    }
                    for (int q = 0; q < count; q++) {
                        int window = first + q;
                        FloatVector value = transposed ? FloatVector.fromArray(S, cells, valuesAt + q * VL)
                                : FloatVector.fromArray(S, dyPooled, from + p0 * windows + window, lanes, 0);
                        FloatVector cell = transposed ? FloatVector.fromArray(S, cells, cellsAt + q * VL)
                                : FloatVector.fromArray(S, cells, p0 * windows + window, lanes, 0);
                        for (int a = 0; a < 4; a++) {
                            ZERO.blend(value, cell.compare(VectorOperators.EQ, a)).intoArray(bordered, top[q] + ((a / 2) * cols + a % 2) * cp + p0);
                        }
                    }
                }
            }
            for (int window = 0; window < windows && vectors < g.c(); window++) { // the planes past the whole vectors
                int corner = ((2 * (window / pw) + g.padTop()) * cols + 2 * (window % pw) + g.padLeft()) * cp;
                for (int plane = vectors; plane < g.c(); plane++) {
                    int atPlane = from + plane * windows + window, a = argmax[atPlane];
                    bordered[corner + ((a / 2) * cols + a % 2) * cp + plane] = dyPooled[atPlane];
                }
            }
        }

        void clear() {
            dyPooled = null;
            argmax = null;
        }
    }

    /** dst[dstAt + i] = argmax[from + i] for i below count (cells 0-3 as floats, which a gather or a transpose reads), a vector at a time. */
    static void cellsAsFloats(byte[] argmax, int from, int count, float[] dst, int dstAt) {
        int i = 0;
        for (int upper = BYTES == null ? 0 : BYTES.loopBound(count); i < upper; i += VL) {
            ((FloatVector) ByteVector.fromArray(BYTES, argmax, from + i).convertShape(VectorOperators.B2F, S, 0)).intoArray(dst, dstAt + i);
        }
        for (; i < count; i++) dst[dstAt + i] = argmax[from + i];
    }

    /** Per thread: where each of a block's VL pixels (or windows) lands in the channels-last image. */
    private static final ThreadLocal<int[]> PIXEL_AT = ThreadLocal.withInitial(() -> new int[VL]);

    /** Whether every pixel of g's input lands inside the bordered image (a 'same' or 'valid' padding, none cropped). */
    private static boolean inside(ConvGeometry g, PaddedImage pad) {
        return g.padTop() >= 0 && g.padLeft() >= 0 && g.padTop() + g.h() <= pad.rows() && g.padLeft() + g.w() <= pad.cols();
    }

    /**
     * The zero-bordered image, channels last: image[(row * cols + col) * cp + ch]. Where every pixel lands inside the
     * border (a 'same' padding) and a plane holds a vector of pixels, VL channels x VL consecutive pixels (across row
     * ends) at a time are transposed in registers ({@link ChannelsLastTranspose}; the last block of a plane overlaps the
     * one before it, writing some values twice); else pixel by pixel, a vector of channels gathered one plane apart
     * (0.21 ms for 50 of conv2's 32 x 14 x 14 images on one core, against 0.086 transposed). The channels past the last
     * whole vector go one value at a time. lanes: {@link #laneStrides} of the plane size.
     */
    private static void channelsLast(ConvGeometry g, PaddedImage pad, float[] x, int xOff, int cp, int[] lanes, float[] image) {
        int cols = pad.cols(), plane = g.h() * g.w(), vectors = g.c() / VL * VL;
        Arrays.fill(image, 0, pad.rows() * cols * cp, 0f);
        if (inside(g, pad) && plane >= VL) {
            int[] at = PIXEL_AT.get();
            for (int p0 = 0; p0 < plane; p0 += VL) {
                int first = Math.min(p0, plane - VL), iy = first / g.w(), ix = first % g.w();
                for (int q = 0; q < VL; q++) {
                    at[q] = ((iy + g.padTop()) * cols + ix + g.padLeft()) * cp;
                    if (++ix == g.w()) {
                        ix = 0;
                        iy++;
                    }
                }
                for (int ch = 0; ch < vectors; ch += VL) ChannelsLastTranspose.apply(x, xOff + ch * plane + first, plane, image, at, ch);
                for (int ch = vectors; ch < g.c(); ch++) {
                    for (int q = 0; q < VL; q++) image[at[q] + ch] = x[xOff + ch * plane + first + q];
                }
            }
            return;
        }
        for (int iy = 0; iy < g.h(); iy++) {
            int row = iy + g.padTop();
            if (row < 0 || row >= pad.rows()) continue;
            for (int ix = 0; ix < g.w(); ix++) {
                int col = ix + g.padLeft();
                if (col < 0 || col >= cols) continue;
                int to = (row * cols + col) * cp, from = xOff + iy * g.w() + ix;
                int ch = 0;
                for (; ch < vectors; ch += VL) FloatVector.fromArray(S, x, from + ch * plane, lanes, 0).intoArray(image, to + ch);
                for (; ch < g.c(); ch++) image[to + ch] = x[from + ch * plane];
            }
        }
    }
}
