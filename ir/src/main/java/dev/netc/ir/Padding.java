package dev.netc.ir;

/** Explicit spatial zero padding of a convolution or pooling window. */
public record Padding(int top, int bottom, int left, int right) {
    public static final Padding NONE = new Padding(0, 0, 0, 0);

    public Padding {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) throw new IllegalArgumentException("negative padding");
    }

    public static Padding uniform(int p) { return new Padding(p, p, p, p); }

    /** TensorFlow's "same" padding: output size ceil(in / stride), extra padding at the bottom/right. */
    public static Padding same(int inH, int inW, int kh, int kw, int stride) {
        int ph = Math.max((ceilDiv(inH, stride) - 1) * stride + kh - inH, 0);
        int pw = Math.max((ceilDiv(inW, stride) - 1) * stride + kw - inW, 0);
        return new Padding(ph / 2, ph - ph / 2, pw / 2, pw - pw / 2);
    }

    /**
     * Windows of size {@code k} that fit the padded input at this stride; 0 or less when not even one
     * does (the window is larger than the padded input), whatever the stride.
     */
    public static int outSize(int in, int k, int stride, int padBefore, int padAfter) {
        long room = (long) in + padBefore + padAfter - k;
        if (room < 0) return 0;  // rounding toward zero would count a window hanging over the edge at stride > 1
        return (int) Math.min(Integer.MAX_VALUE, room / stride + 1);
    }

    /** "max_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)": the shape error of a window op. */
    public static String windowDoesNotFit(String op, int kh, int kw, int h, int w, Shape input, Padding padding) {
        return op + ": a " + kh + "x" + kw + " window does not fit the " + h + "x" + w + " input " + input
                + (padding.equals(NONE) ? " (padding valid)" : " padded by " + padding);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override public String toString() {
        return top == bottom && left == right && top == left ? Integer.toString(top)
                : "(" + top + "," + bottom + "," + left + "," + right + ")";
    }
}
