// ---- netc tiled GEMM: C[m][n] = sum_k A(m, k) * B(k, n), with loaders and an epilogue store ----
// Matmul and the three convolutions (implicit GEMM) instantiate it with lambdas: the loaders read
// operands in place (no im2col buffer), the store applies the fused elementwise epilogue while each
// output element is still in a register. 256 threads compute a 64 x 64 tile, 4 x 4 values each, in
// steps of 16 along k staged in shared memory.
namespace netc {

constexpr int kGemmBM = 64;
constexpr int kGemmBN = 64;
constexpr int kGemmBK = 16;
constexpr int kGemmThreads = 256;

// AKFast: A(m, k) is contiguous along k (else along m); BNFast: B(k, n) is contiguous along n.
// Consecutive threads load consecutive addresses either way (coalesced global reads).
template <bool AKFast, bool BNFast, class LoadA, class LoadB, class Store>
__device__ __forceinline__ void gemm(int M, int N, int K, const LoadA& a, const LoadB& b, const Store& store) {
    __shared__ float As[kGemmBK][kGemmBM + 1];  // +1: no bank conflicts on the transposing stores
    __shared__ float Bs[kGemmBK][kGemmBN + 1];
    const int tid = threadIdx.x;
    const int tx = tid % 16, ty = tid / 16;
    const int m0 = blockIdx.y * kGemmBM, n0 = blockIdx.x * kGemmBN;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += kGemmBK) {
#pragma unroll
        for (int r = 0; r < kGemmBM * kGemmBK / kGemmThreads; ++r) {
            const int e = tid + r * kGemmThreads;
            const int mm = AKFast ? e / kGemmBK : e % kGemmBM;
            const int kk = AKFast ? e % kGemmBK : e / kGemmBM;
            const int m = m0 + mm, k = k0 + kk;
            As[kk][mm] = (m < M && k < K) ? a(m, k) : 0.0f;
        }
#pragma unroll
        for (int r = 0; r < kGemmBN * kGemmBK / kGemmThreads; ++r) {
            const int e = tid + r * kGemmThreads;
            const int nn = BNFast ? e % kGemmBN : e / kGemmBK;
            const int kk = BNFast ? e / kGemmBN : e % kGemmBK;
            const int n = n0 + nn, k = k0 + kk;
            Bs[kk][nn] = (k < K && n < N) ? b(k, n) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < kGemmBK; ++kk) {
            float ar[4], br[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) ar[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j) br[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] += ar[i] * br[j];
        }
        __syncthreads();
    }
    // thread (tx, ty) owns rows ty + 16 i and columns tx + 16 j: consecutive threads store consecutive n
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int m = m0 + ty + 16 * i;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int n = n0 + tx + 16 * j;
            if (m < M && n < N) store(m, n, acc[i][j]);
        }
    }
}

}  // namespace netc
