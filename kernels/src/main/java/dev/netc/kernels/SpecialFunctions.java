package dev.netc.kernels;

/**
 * Special functions {@link Math} lacks, in double precision. The float64 reference interpreter and
 * generated float code both call these, so the two differ only by the final rounding to float.
 */
public final class SpecialFunctions {
    private SpecialFunctions() {}

    /**
     * The error function to about 1e-15: its Maclaurin series below |x| = 3, where the terms fall
     * fast enough, and the continued fraction of erfc (evaluated by Lentz's method) above.
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        if (Double.isNaN(x)) return x;
        double r;
        if (a < 3) {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double term = a, sum = a, x2 = a * a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            r = 1 - erfcContinuedFraction(a);
        }
        return x < 0 ? -r : r;
    }

    /** erfc(a) for a >= 3: exp(-a^2)/sqrt(pi) / (a + 1/2 / (a + 1 / (a + 3/2 / (a + ...)))). */
    private static double erfcContinuedFraction(double a) {
        double tiny = 1e-300, f = a, c = a, d = 0;
        for (int k = 1; k < 300; k++) {
            double num = k / 2.0;
            d = a + num * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = a + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }

    /** erf in float: the double result, rounded once (generated Java calls this). */
    public static float erf(float x) { return (float) erf((double) x); }
}
