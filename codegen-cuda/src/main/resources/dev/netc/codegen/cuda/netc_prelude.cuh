// ---- netc prelude: helpers shared by the generated kernels ----

// SplitMix64's finaliser: a bijection that scrambles all bits (the same as the Java backend's mix64).
__device__ __forceinline__ unsigned long long netc_mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The random stream of one dropout node in one training pass: a pure function of (seed, pass, node),
// so every element can be drawn by any thread in any order and matches the Java backend bit for bit.
__device__ __forceinline__ unsigned long long netc_dropout_stream(unsigned long long seed, unsigned long long counter, int node) {
    return netc_mix64(netc_mix64(seed ^ 0x6a09e667f3bcc909ULL) + counter * 0x9e3779b97f4a7c15ULL
                      + (unsigned long long) (long long) node);
}

// A uniform double in [0, 1) for element i of a stream.
__device__ __forceinline__ double netc_dropout_uniform(unsigned long long stream, int i) {
    unsigned long long h = netc_mix64(stream + ((unsigned long long) (long long) i + 1ULL) * 0xbf58476d1ce4e5b9ULL);
    return (double) (h >> 11) * 1.1102230246251565e-16;  // 2^-53
}

// Index (within the plane xp) of the first strict maximum of the size x size window whose top-left
// cell is (y0, x0), or -1 when that maximum is a padded cell (padding counts as -infinity).
__device__ __forceinline__ int netc_first_max(const float* __restrict__ xp, int h, int w, int size, int y0, int x0) {
    int best = -1;
    float bestValue = 0.0f;
    bool started = false;
    for (int ky = 0; ky < size; ++ky) {
        const int iy = y0 + ky;
        for (int kx = 0; kx < size; ++kx) {
            const int ix = x0 + kx;
            const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            const float value = inside ? xp[iy * w + ix] : __int_as_float(0xff800000);
            if (!started || value > bestValue) {
                started = true;
                bestValue = value;
                best = inside ? iy * w + ix : -1;
            }
        }
    }
    return best;
}
