// Host emulation of the CUDA execution model, enough for netc's generated kernels: the generated .cu
// compiles with g++ (-std=c++20 -pthread -include host_cuda.h) and runs on the CPU.
//
// A launch runs every block of the grid in turn on one std::thread per CUDA thread of a block. The
// threads meet at a std::barrier on __syncthreads() and again at the end of each block, so a block's
// __shared__ arrays (static storage here, one copy per kernel) are never touched by two blocks at
// once. threadIdx and blockIdx are thread_local; blockDim and gridDim are fixed for a launch.
#pragma once

#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <math.h>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace netc_host {
inline thread_local dim3 thread_index;
inline thread_local dim3 block_index;
inline dim3 block_dim;
inline dim3 grid_dim;
inline std::barrier<>* block_barrier = nullptr;
}  // namespace netc_host

#define threadIdx (netc_host::thread_index)
#define blockIdx (netc_host::block_index)
#define blockDim (netc_host::block_dim)
#define gridDim (netc_host::grid_dim)
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

inline void __syncthreads() { netc_host::block_barrier->arrive_and_wait(); }

inline float __int_as_float(unsigned int bits) { return std::bit_cast<float>(bits); }

// CUDA's integer min/max overloads
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

#include "netc_emulated_intrinsics.h"  // cp.async and WMMA stand-ins (runtime/src/test/c/cuda-sim)

/** Runs kernel(args...) over grid x block, blocks one after another, threads of a block concurrently. */
template <class Kernel, class... Args>
void netc_launch(Kernel kernel, dim3 grid, dim3 block, Args... args) {
    const unsigned threads = block.x * block.y * block.z;
    std::barrier<> barrier(threads);
    netc_host::block_dim = block;
    netc_host::grid_dim = grid;
    netc_host::block_barrier = &barrier;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            netc_host::thread_index = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            for (unsigned bz = 0; bz < grid.z; ++bz)
                for (unsigned by = 0; by < grid.y; ++by)
                    for (unsigned bx = 0; bx < grid.x; ++bx) {
                        netc_host::block_index = dim3(bx, by, bz);
                        kernel(args...);
                        barrier.arrive_and_wait();  // the block is done before the next one starts
                    }
        });
    }
    for (auto& thread : pool) thread.join();
    netc_host::block_barrier = nullptr;
}
