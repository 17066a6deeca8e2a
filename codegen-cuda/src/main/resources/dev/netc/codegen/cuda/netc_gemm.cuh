// ---- netc tiled GEMM: C[m][n] = sum_k A(m, k) * B(k, n), with loaders and an epilogue store ----
// Matmul and the three convolutions (implicit GEMM) instantiate it with lambdas: the loaders read
// operands in place (no im2col buffer), the store applies the fused elementwise epilogue while each
// output element is still in a register. 256 threads (16 x 16) compute a BM x BN tile in steps of 16
// along k staged in shared memory, two stages deep: while one k step is multiplied the next is loaded
// (cp.async on sm_80+, so the copy needs no registers). A matmul operand that is a plain array
// (netc::Dense) is copied 16 bytes at a time when its rows allow it; anything else element by element.
namespace netc {

// The default tile: netc::gemm(M, N, K, ...) uses it.
constexpr int kGemmBM = 64;
constexpr int kGemmBN = 64;
constexpr int kGemmBK = 16;
constexpr int kGemmThreads = 256;

enum class GemmPrecision { fp32, tf32 };

// A tile shape. The Java generator picks it per kernel from the sizes (GemmTiling) and prints it.
template <int BM_ = kGemmBM, int BN_ = kGemmBN, GemmPrecision Precision_ = GemmPrecision::fp32>
struct GemmTile {
    static constexpr int BM = BM_, BN = BN_, BK = kGemmBK, Threads = kGemmThreads;
    static constexpr int TM = BM / 16, TN = BN / 16;  // outputs per thread: rows ty + 16 i, columns tx + 16 j
    static constexpr GemmPrecision precision = Precision_;
    static_assert(BM % 16 == 0 && BN % 16 == 0, "tile sides are multiples of 16");
};

// An operand stored as a plain array: A(m, k) or B(k, n) is p[r * ld + c] when SecondFast (the second
// index is contiguous), else p[c * ld + r]. Lets the template copy 16 bytes at a time.
template <bool SecondFast>
struct Dense {
    const float* p;
    int ld;
    __device__ __forceinline__ float operator()(int r, int c) const { return SecondFast ? p[r * ld + c] : p[c * ld + r]; }
};

template <class L> struct IsDense { static constexpr bool value = false; };
template <bool F> struct IsDense<Dense<F>> { static constexpr bool value = true; };

// A Rows x Cols tile of an operand in shared memory, laid out like the operand (contiguous along the
// fast axis) so that a 16-byte copy moves 4 neighbours. Rows are padded by 4 floats: every row starts
// 16-byte aligned (cp.async, float4), banks are staggered, and the leading dimension suits WMMA.
template <int Rows, int Cols, bool SecondFast>
struct SmemTile {
    static constexpr int Outer = SecondFast ? Rows : Cols, Inner = SecondFast ? Cols : Rows, Ld = Inner + 4;
    float v[Outer * Ld];
    __device__ __forceinline__ float& at(int r, int c) { return SecondFast ? v[r * Ld + c] : v[c * Ld + r]; }
    __device__ __forceinline__ float at(int r, int c) const { return SecondFast ? v[r * Ld + c] : v[c * Ld + r]; }
};

// Whether a Dense operand can be copied 16 bytes at a time: aligned base, rows of a multiple of 4
// floats, and an extent along the fast axis that is a multiple of 4 (so a chunk is all in or all out).
template <class L>
__device__ __forceinline__ bool vectorizable(const L& load, int fastExtent) {
    if constexpr (IsDense<L>::value)
        return load.ld % 4 == 0 && fastExtent % 4 == 0 && (reinterpret_cast<unsigned long long>(load.p) & 15ULL) == 0;
    else
        return false;
}

// Copies the operand's Rows x Cols block at (r0, c0) into t; outside R x C reads as zero.
template <class Tile, int Rows, int Cols, bool SecondFast, class Load>
__device__ __forceinline__ void stage(SmemTile<Rows, Cols, SecondFast>& t, const Load& load, bool vec, int r0, int c0, int R, int C) {
    using T = SmemTile<Rows, Cols, SecondFast>;
    const int tid = threadIdx.x;
    if constexpr (IsDense<Load>::value) {
        if (vec) {
            constexpr int perRow = T::Inner / 4, chunks = T::Outer * perRow;
            const int outer0 = SecondFast ? r0 : c0, inner0 = SecondFast ? c0 : r0;
            const int outerSize = SecondFast ? R : C, innerSize = SecondFast ? C : R;
#pragma unroll
            for (int e = tid; e < chunks; e += Tile::Threads) {
                const int o = e / perRow, i = (e % perRow) * 4;
                const bool inside = outer0 + o < outerSize && inner0 + i < innerSize;
                const float* src = load.p + (long long) (outer0 + o) * load.ld + inner0 + i;
                float* dst = &t.v[o * T::Ld + i];
#ifdef NETC_HAS_CP_ASYNC
                netc_cp_async16(dst, inside ? src : load.p, inside);
#else
                const float4 value = inside ? *reinterpret_cast<const float4*>(src) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
                *reinterpret_cast<float4*>(dst) = value;
#endif
            }
            return;
        }
    }
    // element by element; consecutive threads take consecutive elements of the fast axis (coalesced)
#pragma unroll
    for (int e = tid; e < Rows * Cols; e += Tile::Threads) {
        const int o = e / T::Inner, i = e % T::Inner;
        const int r = SecondFast ? o : i, c = SecondFast ? i : o;
        t.at(r, c) = (r0 + r < R && c0 + c < C) ? load(r0 + r, c0 + c) : 0.0f;
    }
}

// Exact FP32 on the CUDA cores: each thread keeps TM x TN sums in registers.
template <class Tile, bool AKFast, bool BNFast>
struct SimtMath {
    float acc[Tile::TM][Tile::TN];

    __device__ __forceinline__ void zero() {
#pragma unroll
        for (int i = 0; i < Tile::TM; ++i)
#pragma unroll
            for (int j = 0; j < Tile::TN; ++j) acc[i][j] = 0.0f;
    }

    __device__ __forceinline__ void step(const SmemTile<Tile::BM, Tile::BK, AKFast>& As, const SmemTile<Tile::BK, Tile::BN, BNFast>& Bs) {
        const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
        for (int kk = 0; kk < Tile::BK; ++kk) {
            float ar[Tile::TM], br[Tile::TN];
#pragma unroll
            for (int i = 0; i < Tile::TM; ++i) ar[i] = As.at(ty + 16 * i, kk);
#pragma unroll
            for (int j = 0; j < Tile::TN; ++j) br[j] = Bs.at(kk, tx + 16 * j);
#pragma unroll
            for (int i = 0; i < Tile::TM; ++i)
#pragma unroll
                for (int j = 0; j < Tile::TN; ++j) acc[i][j] += ar[i] * br[j];
        }
    }

    // consecutive threads store consecutive n
    template <class Store>
    __device__ __forceinline__ void finish(int m0, int n0, int M, int N, const Store& store) const {
        const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
        for (int i = 0; i < Tile::TM; ++i) {
            const int m = m0 + ty + 16 * i;
#pragma unroll
            for (int j = 0; j < Tile::TN; ++j) {
                const int n = n0 + tx + 16 * j;
                if (m < M && n < N) store(m, n, acc[i][j]);
            }
        }
    }
};

#ifdef NETC_GEMM_TF32
template <bool RowMajor> struct WmmaLayout { using type = nvcuda::wmma::row_major; };
template <> struct WmmaLayout<false> { using type = nvcuda::wmma::col_major; };

// TF32 on the tensor cores (sm_80+, --precision tf32): operands rounded to TF32 (10-bit mantissa),
// products summed in FP32. The 8 warps share the (BM / 16) x (BN / 16) fragments of 16 x 16 outputs:
// warp w owns fragments w, w + 8, ... The shared tiles' row padding keeps every fragment pointer
// 32-byte aligned, as load_matrix_sync requires.
template <class Tile, bool AKFast, bool BNFast>
struct TensorMath {
    using ATile = SmemTile<Tile::BM, Tile::BK, AKFast>;
    using BTile = SmemTile<Tile::BK, Tile::BN, BNFast>;
    static constexpr int FM = Tile::BM / 16, FN = Tile::BN / 16, Warps = Tile::Threads / 32;
    static constexpr int PerWarp = (FM * FN + Warps - 1) / Warps;
    static constexpr int CLd = Tile::BN + 4;
    nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float> acc[PerWarp];

    __device__ __forceinline__ void zero() {
#pragma unroll
        for (int f = 0; f < PerWarp; ++f) nvcuda::wmma::fill_fragment(acc[f], 0.0f);
    }

    __device__ __forceinline__ void step(const ATile& As, const BTile& Bs) {
        using namespace nvcuda;
        const int warp = threadIdx.x / 32;
#pragma unroll
        for (int kk = 0; kk < Tile::BK; kk += 8) {
#pragma unroll
            for (int f = 0; f < PerWarp; ++f) {
                const int frag = warp + f * Warps;
                if (frag >= FM * FN) break;  // the same for the whole warp
                const int fm = frag / FN, fn = frag % FN;
                wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, typename WmmaLayout<AKFast>::type> af;
                wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, typename WmmaLayout<BNFast>::type> bf;
                wmma::load_matrix_sync(af, AKFast ? &As.v[fm * 16 * ATile::Ld + kk] : &As.v[kk * ATile::Ld + fm * 16], ATile::Ld);
                wmma::load_matrix_sync(bf, BNFast ? &Bs.v[kk * BTile::Ld + fn * 16] : &Bs.v[fn * 16 * BTile::Ld + kk], BTile::Ld);
#pragma unroll
                for (int t = 0; t < af.num_elements; ++t) af.x[t] = wmma::__float_to_tf32(af.x[t]);
#pragma unroll
                for (int t = 0; t < bf.num_elements; ++t) bf.x[t] = wmma::__float_to_tf32(bf.x[t]);
                wmma::mma_sync(acc[f], af, bf, acc[f]);
            }
        }
    }

    // fragments to shared memory, then each thread stores whole rows' worth of consecutive n
    template <class Store>
    __device__ __forceinline__ void finish(int m0, int n0, int M, int N, const Store& store) const {
        __shared__ __align__(32) float Cs[Tile::BM * CLd];
        const int warp = threadIdx.x / 32;
#pragma unroll
        for (int f = 0; f < PerWarp; ++f) {
            const int frag = warp + f * Warps;
            if (frag >= FM * FN) break;
            nvcuda::wmma::store_matrix_sync(&Cs[(frag / FN) * 16 * CLd + (frag % FN) * 16], acc[f], CLd, nvcuda::wmma::mem_row_major);
        }
        __syncthreads();
#pragma unroll
        for (int e = threadIdx.x; e < Tile::BM * Tile::BN; e += Tile::Threads) {
            const int m = m0 + e / Tile::BN, n = n0 + e % Tile::BN;
            if (m < M && n < N) store(m, n, Cs[(e / Tile::BN) * CLd + e % Tile::BN]);
        }
    }
};
#endif

template <class Tile, bool AKFast, bool BNFast>
struct MathOf { using type = SimtMath<Tile, AKFast, BNFast>; };
#ifdef NETC_GEMM_TF32
template <int BM, int BN, bool AKFast, bool BNFast>
struct MathOf<GemmTile<BM, BN, GemmPrecision::tf32>, AKFast, BNFast> {
    using type = TensorMath<GemmTile<BM, BN, GemmPrecision::tf32>, AKFast, BNFast>;
};
#endif

// The k range [kBegin, kEnd) of the block's tile (a split of split-K; kBegin is a multiple of BK and
// kEnd is K or a multiple of BK). An empty range stores zeros.
// AKFast: A(m, k) is contiguous along k (else along m); BNFast: B(k, n) is contiguous along n.
template <bool AKFast, bool BNFast, class Tile, class LoadA, class LoadB, class Store>
__device__ __forceinline__ void gemm_range(int M, int N, int K, int kBegin, int kEnd, const LoadA& a, const LoadB& b,
                                           const Store& store) {
    __shared__ __align__(32) SmemTile<Tile::BM, Tile::BK, AKFast> As[2];
    __shared__ __align__(32) SmemTile<Tile::BK, Tile::BN, BNFast> Bs[2];
    const int m0 = blockIdx.y * Tile::BM, n0 = blockIdx.x * Tile::BN;
    const bool vecA = vectorizable(a, AKFast ? K : M), vecB = vectorizable(b, BNFast ? N : K);
    typename MathOf<Tile, AKFast, BNFast>::type math;
    math.zero();
    if (kBegin < kEnd) {
        stage<Tile>(As[0], a, vecA, m0, kBegin, M, K);
        stage<Tile>(Bs[0], b, vecB, kBegin, n0, K, N);
        netc_cp_async_commit();
    }
    int buffer = 0;
    for (int k0 = kBegin; k0 < kEnd; k0 += Tile::BK) {
        // load step k0 + BK into the other buffer (its last readers passed the barrier at the end
        // of the previous step) while this one is multiplied
        const bool more = k0 + Tile::BK < kEnd;
        if (more) {
            stage<Tile>(As[buffer ^ 1], a, vecA, m0, k0 + Tile::BK, M, K);
            stage<Tile>(Bs[buffer ^ 1], b, vecB, k0 + Tile::BK, n0, K, N);
            netc_cp_async_commit();
            netc_cp_async_wait<1>();  // this step's copies are done, the next step's may still fly
        } else {
            netc_cp_async_wait<0>();
        }
        __syncthreads();
        math.step(As[buffer], Bs[buffer]);
        __syncthreads();
        buffer ^= 1;
    }
    math.finish(m0, n0, M, N, store);
}

// C = A B over all of k with the given tile.
template <bool AKFast, bool BNFast, class Tile, class LoadA, class LoadB, class Store>
__device__ __forceinline__ void gemm_tiled(int M, int N, int K, const LoadA& a, const LoadB& b, const Store& store) {
    gemm_range<AKFast, BNFast, Tile>(M, N, K, 0, K, a, b, store);
}

// C = A B with the default 64 x 64 FP32 tile.
template <bool AKFast, bool BNFast, class LoadA, class LoadB, class Store>
__device__ __forceinline__ void gemm(int M, int N, int K, const LoadA& a, const LoadB& b, const Store& store) {
    gemm_range<AKFast, BNFast, GemmTile<>>(M, N, K, 0, K, a, b, store);
}

// Split-K, first pass: block z computes the partial product over its share of k into the workspace
// (Splits x M x N floats); the second pass (a separate kernel) adds the splits in a fixed order.
template <bool AKFast, bool BNFast, class Tile, int Splits, class LoadA, class LoadB>
__device__ __forceinline__ void gemm_split_partial(int M, int N, int K, const LoadA& a, const LoadB& b, float* workspace) {
    const int perSplit = ((K + Splits - 1) / Splits + Tile::BK - 1) / Tile::BK * Tile::BK;
    const int split = blockIdx.z;
    const int kBegin = min(K, split * perSplit), kEnd = min(K, kBegin + perSplit);
    float* part = workspace + (long long) split * M * N;
    gemm_range<AKFast, BNFast, Tile>(M, N, K, kBegin, kEnd, a, b, [&](int m, int n, float acc) { part[(long long) m * N + n] = acc; });
}

// Split-K, second pass: output (m, n) is the sum of the splits' partials, split 0 first, so results
// do not depend on scheduling (no atomics); the store is the same epilogue as the unsplit kernel's.
template <int Splits, class Store>
__device__ __forceinline__ void gemm_split_reduce(int M, int N, const float* workspace, const Store& store) {
    const long long total = (long long) M * N;
    for (long long e = blockIdx.x * (long long) blockDim.x + threadIdx.x; e < total; e += (long long) gridDim.x * blockDim.x) {
        float acc = 0.0f;
#pragma unroll 4
        for (int s = 0; s < Splits; ++s) acc += workspace[s * total + e];
        store((int) (e / N), (int) (e % N), acc);
    }
}

}  // namespace netc
