package dev.netc.kernels;

/**
 * Where one image of a convolution's output-shaped operand (dy, [F][positions]) lies: in the tensor
 * itself, or in a per-thread copy a pooled convolution expanded from the pooled gradient.
 */
record OutputImage(float[] array, int offset) {

    /** The images of such an operand, one at a time; the copy an image may live in is reused by the next. */
    @FunctionalInterface
    interface Source {
        OutputImage image(int image);
    }
}
