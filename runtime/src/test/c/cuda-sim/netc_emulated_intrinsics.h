// Host stand-ins for the GPU intrinsics netc's GEMM uses on sm_80+, shared by both host emulations
// (the simulator's netc_sim_cuda.h and HostEmulationTest's host_cuda.h), so that emulated kernels run
// the same code path as the GPU: cp.async double buffering and the TF32 WMMA fragments.
// Include after threadIdx / blockDim are defined.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <type_traits>
#include <vector>

#define __align__(n) __attribute__((aligned(n)))

// ---- cp.async: each copy is deferred until a wait retires its group, as on the GPU, where the
// destination is undefined until then. A kernel that reads a staged tile without waiting for it
// therefore reads stale shared memory here too, and its results differ from the Java backend's.
#define NETC_HAS_CP_ASYNC 1

namespace netc_emulated {
struct PendingCopy {
    float* dst;
    float value[4];
};
struct ThreadCopies {
    std::vector<PendingCopy> open;                    // issued, not yet committed
    std::deque<std::vector<PendingCopy>> committed;   // committed groups, oldest first
};
// Indexed by the CUDA thread's index in its block: the simulator runs a block's threads as fibers
// on one OS thread (thread_local alone would mix them), host_cuda.h as one OS thread each.
inline thread_local std::vector<ThreadCopies> copies;

inline ThreadCopies& own_copies() {
    const unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    if (copies.size() <= t) copies.resize(t + 1);
    return copies[t];
}
}  // namespace netc_emulated

inline void netc_cp_async16(float* smem, const float* gmem, bool valid) {
    netc_emulated::PendingCopy c{smem, {0.0f, 0.0f, 0.0f, 0.0f}};
    if (valid) std::memcpy(c.value, gmem, sizeof c.value);
    netc_emulated::own_copies().open.push_back(c);
}

inline void netc_cp_async_commit() {
    auto& own = netc_emulated::own_copies();
    own.committed.push_back(std::move(own.open));
    own.open.clear();
}

// Waits until at most Pending committed groups are still in flight.
template <int Pending>
inline void netc_cp_async_wait() {
    auto& own = netc_emulated::own_copies();
    while (own.committed.size() > static_cast<size_t>(Pending)) {
        for (const auto& c : own.committed.front()) std::memcpy(c.dst, c.value, sizeof c.value);
        own.committed.pop_front();
    }
}

// ---- WMMA (mma.h) for TF32: every lane of a warp holds the whole fragment (row-major), so each
// lane computes the full 16 x 16 x 8 product redundantly and store_matrix_sync's 32 identical
// writes agree. Rounding matches the GPU's cvt.rna.tf32.f32: 10 mantissa bits, ties away from zero.
namespace nvcuda::wmma {
struct row_major {};
struct col_major {};
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K> struct fragment_shape;
template <int M, int N, int K> struct fragment_shape<matrix_a, M, N, K> { static constexpr int rows = M, cols = K; };
template <int M, int N, int K> struct fragment_shape<matrix_b, M, N, K> { static constexpr int rows = K, cols = N; };
template <int M, int N, int K> struct fragment_shape<accumulator, M, N, K> { static constexpr int rows = M, cols = N; };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int rows = fragment_shape<Use, M, N, K>::rows, cols = fragment_shape<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    float x[num_elements];
};

inline float __float_to_tf32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    if ((bits & 0x7f800000u) != 0x7f800000u) bits = (bits + 0x1000u) & 0xffffe000u;  // Inf and NaN unchanged
    float out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

template <class Use, int M, int N, int K, class T, class Layout>
inline void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, float v) {
    for (float& e : f.x) e = v;
}

template <class Use, int M, int N, int K, class T, class Layout>
inline void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const float* p, unsigned ldm) {
    using F = fragment<Use, M, N, K, T, Layout>;
    constexpr bool rowMajor = std::is_same_v<Layout, row_major>;
    for (int r = 0; r < F::rows; ++r)
        for (int c = 0; c < F::cols; ++c) f.x[r * F::cols + c] = rowMajor ? p[r * ldm + c] : p[c * ldm + r];
}

template <int M, int N, int K, class T>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
    for (int r = 0; r < M; ++r)
        for (int c = 0; c < N; ++c) (layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.x[r * N + c];
}

template <int M, int N, int K, class LA, class LB, class T>
inline void mma_sync(fragment<accumulator, M, N, K, T>& d, const fragment<matrix_a, M, N, K, precision::tf32, LA>& a,
                     const fragment<matrix_b, M, N, K, precision::tf32, LB>& b, const fragment<accumulator, M, N, K, T>& c) {
    float out[M * N];
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            float sum = c.x[i * N + j];
            for (int k = 0; k < K; ++k) sum += a.x[i * K + k] * b.x[k * N + j];
            out[i * N + j] = sum;
        }
    std::memcpy(d.x, out, sizeof out);
}
}  // namespace nvcuda::wmma
