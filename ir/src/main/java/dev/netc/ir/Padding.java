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

    public static int outSize(int in, int k, int stride, int padBefore, int padAfter) {
        return (in + padBefore + padAfter - k) / stride + 1;
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override public String toString() {
        return top == bottom && left == right && top == left ? Integer.toString(top)
                : "(" + top + "," + bottom + "," + left + "," + right + ")";
    }
}
