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

// The sum (max) over a block's threads of each one's v, merged in a fixed order (a tree over thread
// indices, so results do not depend on scheduling), returned to every thread. blockDim.x must be a
// power of two of at most 1024, and every thread of the block must call it.
__device__ __forceinline__ float netc_block_merge(float v, bool max) {
    __shared__ float part[1024];
    const int t = threadIdx.x;
    part[t] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) part[t] = max ? fmaxf(part[t], part[t + s]) : part[t] + part[t + s];
        __syncthreads();
    }
    const float merged = part[0];
    __syncthreads();  // part is written again by the block's next call
    return merged;
}

__device__ __forceinline__ float netc_block_sum(float v) { return netc_block_merge(v, false); }

__device__ __forceinline__ float netc_block_max(float v) { return netc_block_merge(v, true); }

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

// Asynchronous global -> shared copies of 16 bytes (sm_80+): the GEMM stages its next k step with them
// while it multiplies the current one. A copy with valid == false writes zeros (src-size 0). Before
// sm_80 the GEMM copies through registers and there is nothing to wait for. Host emulation (the
// simulator, HostEmulationTest) defines NETC_HAS_CP_ASYNC and stand-ins that defer each copy to its
// wait, so the emulated kernels take this same path and a missing wait shows up as wrong results.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define NETC_HAS_CP_ASYNC 1
__device__ __forceinline__ void netc_cp_async16(float* smem, const float* gmem, bool valid) {
    unsigned dst;
    asm volatile("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }\n" : "=r"(dst) : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem), "r"(valid ? 16 : 0) : "memory");
}
__device__ __forceinline__ void netc_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int Pending>
__device__ __forceinline__ void netc_cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory"); }
#elif defined(__CUDA_ARCH__)
__device__ __forceinline__ void netc_cp_async_commit() {}
template <int Pending>
__device__ __forceinline__ void netc_cp_async_wait() {}
#endif
