package dev.netc.kernels;

/** Float special functions generated code calls where {@link Math} has none. */
public final class SpecialMath {
    private SpecialMath() {}

    /**
     * The error function in float precision: Abramowitz and Stegun 7.1.26, absolute error below
     * 1.5e-7 (about two float ulps near 1), odd by construction.
     */
    public static float erf(float x) {
        float a = Math.abs(x);
        float t = 1f / (1f + 0.3275911f * a);
        float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        float y = 1f - poly * (float) Math.exp(-a * a);
        return x < 0 ? -y : y;
    }
}
