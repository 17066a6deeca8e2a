// The CUDA execution model for the simulator's kernel libraries: the simulated NVRTC compiles a
// program's CUDA C with g++ -include netc_sim_cuda.h into a shared library, one entry point per kernel
// (netc_sim_abi.h). Unlike the test header host_cuda.h (one OS thread per CUDA thread), a block's
// threads are fibers on the calling thread: __syncthreads() switches to the next fiber, so a barrier
// costs a few nanoseconds instead of an OS context switch, and a kernel's __shared__ arrays
// (thread_local statics) are the block's. A kernel that never reaches __syncthreads() is found out
// on its first block; its other blocks then run as plain calls, one CUDA thread after the other.
#pragma once

#include "netc_sim_abi.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <math.h>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace netc_sim {
inline thread_local dim3 thread_index;
inline thread_local dim3 block_index;
inline thread_local dim3 block_dim;
inline thread_local dim3 grid_dim;
void sync();
}  // namespace netc_sim

#define threadIdx (netc_sim::thread_index)
#define blockIdx (netc_sim::block_index)
#define blockDim (netc_sim::block_dim)
#define gridDim (netc_sim::grid_dim)
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static thread_local

inline void __syncthreads() { netc_sim::sync(); }

inline float __int_as_float(unsigned int bits) { return std::bit_cast<float>(bits); }
inline int __float_as_int(float v) { return std::bit_cast<int>(v); }

// CUDA's integer min/max overloads
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

#include "netc_emulated_intrinsics.h"  // cp.async and WMMA stand-ins

namespace netc_sim {

constexpr size_t kStackBytes = 64 * 1024;

/** One CUDA thread of a block: its stack and saved stack pointer. */
struct Fiber {
    void* sp = nullptr;
    char* stack = nullptr;
    bool done = false, waiting = false;
};

extern "C" void netc_sim_switch(void** save_sp, void* load_sp);

#if defined(__x86_64__)
// Saves the callee-saved registers, MXCSR and the x87 control word on the current stack, stores the
// stack pointer in *save_sp, and resumes the stack load_sp (System V x86-64 ABI).
asm(R"(
    .text
    .globl netc_sim_switch
    .hidden netc_sim_switch
    .type netc_sim_switch,@function
netc_sim_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size netc_sim_switch, .-netc_sim_switch
)");
#else
#error "netc's CUDA simulator switches fibers with x86-64 assembly only"
#endif

/** The block being run on this OS thread. */
struct Block {
    void* main_sp = nullptr;
    std::vector<Fiber> fibers;
    unsigned current = 0;
    bool fibered = false, barrier_seen = false, misuse = false;
    void (*body)(void*) = nullptr;
    void* body_arg = nullptr;
};

inline thread_local Block* running = nullptr;

inline void set_thread(unsigned t) {
    thread_index = dim3(t % block_dim.x, (t / block_dim.x) % block_dim.y, t / (block_dim.x * block_dim.y));
}

[[noreturn]] inline void fiber_start() {
    Block* b = running;
    b->body(b->body_arg);
    Fiber& f = b->fibers[b->current];
    f.done = true;
    void* dead;
    netc_sim_switch(&dead, b->main_sp);
    std::abort();  // a finished fiber is never resumed
}

/** A fresh stack for fiber f whose first switch "returns" into fiber_start. */
inline void prime(Fiber& f) {
    if (f.stack == nullptr) f.stack = static_cast<char*>(std::malloc(kStackBytes));
    auto top = reinterpret_cast<uintptr_t>(f.stack + kStackBytes) & ~uintptr_t(15);
    auto* s = reinterpret_cast<uint64_t*>(top);
    uint32_t csr[2];
    asm volatile("stmxcsr %0" : "=m"(csr[0]));
    asm volatile("fnstcw %0" : "=m"(csr[1]));
    *--s = 0;                                              // fiber_start's return address: never used
    *--s = reinterpret_cast<uint64_t>(&fiber_start);        // popped by ret
    for (int r = 0; r < 6; ++r) *--s = 0;                   // rbp rbx r12-r15
    *--s = uint64_t(csr[0]) | (uint64_t(csr[1] & 0xffff) << 32);
    f.sp = s;
    f.done = f.waiting = false;
}

inline void sync() {
    Block* b = running;
    if (!b->fibered) {  // a barrier in a kernel whose first block never reached one: divergent __syncthreads
        b->misuse = true;
        return;
    }
    b->barrier_seen = true;
    Fiber& f = b->fibers[b->current];
    f.waiting = true;
    netc_sim_switch(&f.sp, b->main_sp);
}

/** Runs one block as fibers; false when threads disagree on the barriers they reach. */
inline bool run_fibered(Block& b, unsigned threads) {
    b.fibered = true;
    if (b.fibers.size() < threads) b.fibers.resize(threads);
    for (unsigned t = 0; t < threads; ++t) prime(b.fibers[t]);
    for (;;) {
        unsigned finished = 0, waiting = 0;
        for (unsigned t = 0; t < threads; ++t) {
            Fiber& f = b.fibers[t];
            if (f.done) { ++finished; continue; }
            f.waiting = false;
            b.current = t;
            set_thread(t);
            netc_sim_switch(&b.main_sp, f.sp);
            if (f.done) ++finished; else ++waiting;
        }
        if (waiting == 0) return true;
        if (finished != 0) return false;  // some threads left while others wait at a barrier
    }
}

/** Runs body over the grid on the calling thread; 0 or a CUresult (719, launch failed) with a message. */
inline int run_grid(const netc_sim_launch* l, void (*body)(void*), void* arg, bool& uses_barrier_known, bool& uses_barrier) {
    grid_dim = dim3(l->grid[0], l->grid[1], l->grid[2]);
    block_dim = dim3(l->block[0], l->block[1], l->block[2]);
    const unsigned threads = l->block[0] * l->block[1] * l->block[2];
    static thread_local Block block;
    Block* outer = running;
    running = &block;
    block.body = body;
    block.body_arg = arg;
    block.misuse = false;
    int status = 0;
    for (unsigned bz = 0; bz < grid_dim.z && status == 0; ++bz)
        for (unsigned by = 0; by < grid_dim.y && status == 0; ++by)
            for (unsigned bx = 0; bx < grid_dim.x && status == 0; ++bx) {
                block_index = dim3(bx, by, bz);
                if (!uses_barrier_known || uses_barrier) {
                    block.barrier_seen = false;
                    if (!run_fibered(block, threads)) {
                        std::snprintf(l->error, l->error_size, "threads of block (%u,%u,%u) reach different __syncthreads()", bx, by, bz);
                        status = 719;
                    }
                    if (!uses_barrier_known) {
                        uses_barrier_known = true;
                        uses_barrier = block.barrier_seen;
                    }
                } else {
                    block.fibered = false;
                    for (unsigned t = 0; t < threads; ++t) {
                        set_thread(t);
                        body(arg);
                    }
                    if (block.misuse) {
                        std::snprintf(l->error, l->error_size, "__syncthreads() in block (%u,%u,%u) but not in block (0,0,0)", bx, by, bz);
                        status = 719;
                    }
                }
            }
    running = outer;
    return status;
}

/** Checks a pointer argument (kernel parameter index i) against the driver's live allocations. */
template <class P>
int check_argument(const netc_sim_launch* l, void* slot, size_t i) {
    if constexpr (std::is_pointer_v<P>) {
        const void* p = *static_cast<P*>(slot);
        int status = l->check_pointer(p);
        if (status != 0) std::snprintf(l->error, l->error_size, "kernel parameter %zu (%p) is not in a live device allocation", i, p);
        return status;
    } else {
        return 0;
    }
}

template <class... P, size_t... I>
int launch(void (*kernel)(P...), const netc_sim_launch* l, void** params, bool& known, bool& uses, std::index_sequence<I...>) {
    int status = 0;
    ((status = status != 0 ? status : check_argument<std::decay_t<P>>(l, params[I], I)), ...);
    if (status != 0) return status;
    // the values are copied first, as cuLaunchKernel does: the caller may reuse its slots afterwards
    std::tuple<std::decay_t<P>...> args{*static_cast<std::decay_t<P>*>(params[I])...};
    struct Call {
        void (*kernel)(P...);
        std::tuple<std::decay_t<P>...>* args;
        static void run(void* self) {
            auto* c = static_cast<Call*>(self);
            c->kernel(std::get<I>(*c->args)...);
        }
    } call{kernel, &args};
    return run_grid(l, &Call::run, &call, known, uses);
}

template <class... P>
int launch(void (*kernel)(P...), const netc_sim_launch* l, void** params, bool& known, bool& uses) {
    return launch(kernel, l, params, known, uses, std::index_sequence_for<P...>{});
}

/** The entry point of one kernel (see netc_sim_abi.h). */
template <auto Kernel>
int entry(const netc_sim_launch* l, void** params) {
    // whether a kernel reaches __syncthreads() is the same in every launch: learnt on the first block
    static bool known = false, uses = false;
    return launch(Kernel, l, params, known, uses);
}

}  // namespace netc_sim
