package dev.netc.kernels;

/**
 * The arguments of one product c = beta * c + op(a) @ op(b) that a GEMM kernel's parallel bodies read: the
 * common part of {@link GemmCall}, {@link GemmFewRows}', {@link GemmBroadcastRows}' and {@link GemmDot}'s per-thread frames
 * (see {@link CallFrames}).
 */
abstract class GemmFrame implements CallFrames.Frame {
    int m, n, k, aOff, bOff, cOff;
    float[] a, b, c;
    float beta;
    Epilogue finish;

    /** Sets the product's arguments, as the kernel's entry point received them. */
    final void product(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff,
                       Epilogue finish) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.a = a;
        this.aOff = aOff;
        this.b = b;
        this.bOff = bOff;
        this.beta = beta;
        this.c = c;
        this.cOff = cOff;
        this.finish = finish;
    }

    @Override
    public void clear() {
        a = b = c = null;
        finish = null;
    }
}
