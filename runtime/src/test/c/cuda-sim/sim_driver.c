/* A stand-in for the CUDA driver (libcuda.so.1) that runs kernels on the host: netc's CUDA simulator
 * for machines without a GPU. Compiled against the CUDA toolkit's own cuda.h, so every function has
 * the header's prototype and, through its #defines, its exported name (cuMemAlloc is cuMemAlloc_v2).
 *
 * One device ("netc CUDA simulator", compute capability 9.0). Device memory is host memory, filled
 * with 0xff bytes (NaN as float, -1 as int) when allocated, and every live allocation is recorded so
 * copies and kernel pointer arguments outside one fail as a GPU would: CUDA_ERROR_INVALID_VALUE for
 * a copy, CUDA_ERROR_ILLEGAL_ADDRESS (sticky, as on a GPU, until the primary context is reset) for a
 * launch. A module is a kernel library the simulated NVRTC built; cuLaunchKernel runs the whole
 * grid before it returns, so streams and events are synchronous. Contexts are per thread, as in the
 * driver: a call that needs one fails with CUDA_ERROR_INVALID_CONTEXT on a thread without one. */
#define _GNU_SOURCE
#include <cuda.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netc_sim_abi.h"

#define SIM_DEVICE_NAME "netc CUDA simulator"
#define SIM_TOTAL_MEMORY (64ULL << 30)
#define SIM_MAX_SHARED 49152

struct CUctx_st { int retained; };
struct CUmod_st { void* library; };
struct CUfunc_st { netc_sim_entry entry; CUmodule module; char name[200]; };
struct CUstream_st { int unused; };
struct CUevent_st { struct timespec when; int recorded; };

typedef struct { uintptr_t base; size_t size; } Allocation;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static struct CUctx_st primary;
static CUresult sticky;                 /* a launch error that broke the context until it is reset */
static Allocation* allocations;          /* live allocations, unordered */
static size_t allocation_count, allocation_capacity;
static __thread CUcontext current;
static char last_launch_error[512];

static CUresult need_context(void) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (current == NULL) return CUDA_ERROR_INVALID_CONTEXT;
    return sticky;
}

/* the allocation holding [p, p + bytes), or NULL */
static Allocation* find(uintptr_t p, size_t bytes) {
    for (size_t i = 0; i < allocation_count; i++) {
        Allocation* a = &allocations[i];
        if (p >= a->base && p - a->base <= a->size && bytes <= a->size - (p - a->base)) return a;
    }
    return NULL;
}

static int check_pointer(const void* p) {
    pthread_mutex_lock(&lock);
    int ok = p != NULL && find((uintptr_t) p, 0) != NULL;
    pthread_mutex_unlock(&lock);
    return ok ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

CUresult CUDAAPI cuInit(unsigned int Flags) {
    if (Flags != 0) return CUDA_ERROR_INVALID_VALUE;
    initialized = 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDriverGetVersion(int* driverVersion) {
    if (driverVersion == NULL) return CUDA_ERROR_INVALID_VALUE;
    *driverVersion = CUDA_VERSION;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int* count) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (count == NULL) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice* device, int ordinal) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device == NULL) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char* name, int len, CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (name == NULL || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t) len, "%s", SIM_DEVICE_NAME);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (pi == NULL) return CUDA_ERROR_INVALID_VALUE;
    switch (attrib) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = 0; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *pi = SIM_MAX_SHARED; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = 1; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *pi = 32; break;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t* bytes, CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (bytes == NULL) return CUDA_ERROR_INVALID_VALUE;
    *bytes = SIM_TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (pctx == NULL) return CUDA_ERROR_INVALID_VALUE;
    pthread_mutex_lock(&lock);
    primary.retained++;
    pthread_mutex_unlock(&lock);
    *pctx = &primary;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    pthread_mutex_lock(&lock);
    CUresult r = primary.retained > 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
    if (primary.retained > 0) primary.retained--;
    pthread_mutex_unlock(&lock);
    return r;
}

/* Frees every allocation and clears a sticky error, as resetting a real primary context does. */
CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < allocation_count; i++) free((void*) allocations[i].base);
    allocation_count = 0;
    sticky = CUDA_SUCCESS;
    pthread_mutex_unlock(&lock);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (ctx != NULL && ctx != &primary) return CUDA_ERROR_INVALID_CONTEXT;
    current = ctx;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxGetCurrent(CUcontext* pctx) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (pctx == NULL) return CUDA_ERROR_INVALID_VALUE;
    *pctx = current;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSynchronize(void) { return need_context(); }

CUresult CUDAAPI cuMemGetInfo(size_t* free_bytes, size_t* total) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (free_bytes == NULL || total == NULL) return CUDA_ERROR_INVALID_VALUE;
    *free_bytes = SIM_TOTAL_MEMORY;
    *total = SIM_TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* dptr, size_t bytesize) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (dptr == NULL || bytesize == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bytesize > SIM_TOTAL_MEMORY) return CUDA_ERROR_OUT_OF_MEMORY;
    void* p = aligned_alloc(256, (bytesize + 255) / 256 * 256);
    if (p == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(p, 0xff, bytesize);  /* poison: uninitialised floats read as NaN */
    pthread_mutex_lock(&lock);
    if (allocation_count == allocation_capacity) {
        allocation_capacity = allocation_capacity == 0 ? 64 : 2 * allocation_capacity;
        allocations = realloc(allocations, allocation_capacity * sizeof(Allocation));
    }
    allocations[allocation_count++] = (Allocation) {(uintptr_t) p, bytesize};
    pthread_mutex_unlock(&lock);
    *dptr = (CUdeviceptr) (uintptr_t) p;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr dptr) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < allocation_count; i++) {
        if (allocations[i].base == (uintptr_t) dptr) {
            free((void*) allocations[i].base);
            allocations[i] = allocations[--allocation_count];
            pthread_mutex_unlock(&lock);
            return CUDA_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_INVALID_VALUE;  /* not the start of a live allocation */
}

/* CUDA_SUCCESS when [p, p + bytes) lies inside one live allocation */
static CUresult device_range(CUdeviceptr p, size_t bytes) {
    pthread_mutex_lock(&lock);
    int ok = find((uintptr_t) p, bytes) != NULL;
    pthread_mutex_unlock(&lock);
    return ok ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
    CUresult r = need_context();
    if (r == CUDA_SUCCESS) r = device_range(dstDevice, ByteCount);
    if (r == CUDA_SUCCESS && srcHost == NULL) r = CUDA_ERROR_INVALID_VALUE;
    if (r == CUDA_SUCCESS) memcpy((void*) (uintptr_t) dstDevice, srcHost, ByteCount);
    return r;
}

CUresult CUDAAPI cuMemcpyDtoH(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
    CUresult r = need_context();
    if (r == CUDA_SUCCESS) r = device_range(srcDevice, ByteCount);
    if (r == CUDA_SUCCESS && dstHost == NULL) r = CUDA_ERROR_INVALID_VALUE;
    if (r == CUDA_SUCCESS) memcpy(dstHost, (const void*) (uintptr_t) srcDevice, ByteCount);
    return r;
}

CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) {
    CUresult r = need_context();
    if (r == CUDA_SUCCESS) r = device_range(dstDevice, ByteCount);
    if (r == CUDA_SUCCESS) r = device_range(srcDevice, ByteCount);
    if (r == CUDA_SUCCESS) memmove((void*) (uintptr_t) dstDevice, (const void*) (uintptr_t) srcDevice, ByteCount);
    return r;
}

CUresult CUDAAPI cuMemsetD32(CUdeviceptr dstDevice, unsigned int ui, size_t N) {
    CUresult r = need_context();
    if (r == CUDA_SUCCESS && dstDevice % 4 != 0) r = CUDA_ERROR_INVALID_VALUE;
    if (r == CUDA_SUCCESS) r = device_range(dstDevice, 4 * N);
    if (r != CUDA_SUCCESS) return r;
    unsigned int* p = (unsigned int*) (uintptr_t) dstDevice;
    for (size_t i = 0; i < N; i++) p[i] = ui;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadData(CUmodule* module, const void* image) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (module == NULL || image == NULL) return CUDA_ERROR_INVALID_VALUE;
    const char* text = image;
    size_t magic = strlen(NETC_SIM_IMAGE_MAGIC);
    if (strncmp(text, NETC_SIM_IMAGE_MAGIC, magic) != 0 || text[magic] != '\n') {
        /* PTX or a CUBIN from a real NVRTC: this simulator runs only what its own NVRTC built */
        return strncmp(text, "\x7f" "ELF", 4) == 0 ? CUDA_ERROR_NO_BINARY_FOR_GPU : CUDA_ERROR_INVALID_PTX;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", text + magic + 1);
    path[strcspn(path, "\n")] = 0;
    void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "netc CUDA simulator: %s\n", dlerror());
        return CUDA_ERROR_INVALID_IMAGE;
    }
    CUmodule m = calloc(1, sizeof *m);
    m->library = library;
    *module = m;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (hfunc == NULL || hmod == NULL || name == NULL) return CUDA_ERROR_INVALID_VALUE;
    char symbol[256];
    if (snprintf(symbol, sizeof symbol, "%s%s", NETC_SIM_ENTRY_PREFIX, name) >= (int) sizeof symbol) return CUDA_ERROR_NOT_FOUND;
    void* entry = dlsym(hmod->library, symbol);
    if (entry == NULL) return CUDA_ERROR_NOT_FOUND;
    CUfunction f = calloc(1, sizeof *f);
    f->entry = (netc_sim_entry) entry;
    f->module = hmod;
    snprintf(f->name, sizeof f->name, "%s", name);
    *hfunc = f;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule hmod) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (hmod == NULL) return CUDA_ERROR_INVALID_HANDLE;
    /* the library stays loaded: CUfunction handles of a real driver dangle too, but a stale entry
       point must not jump into unmapped code here */
    free(hmod);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                                unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                                unsigned int sharedMemBytes, CUstream hStream, void** kernelParams, void** extra) {
    (void) hStream;
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (f == NULL) return CUDA_ERROR_INVALID_HANDLE;
    if (extra != NULL || kernelParams == NULL) return CUDA_ERROR_INVALID_VALUE;
    /* the limits of compute capability 9.0 */
    if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || gridDimX > 2147483647u || gridDimY > 65535 || gridDimZ > 65535)
        return CUDA_ERROR_INVALID_VALUE;
    if (blockDimX == 0 || blockDimY == 0 || blockDimZ == 0 || blockDimX > 1024 || blockDimY > 1024 || blockDimZ > 64
            || (unsigned long) blockDimX * blockDimY * blockDimZ > 1024)
        return CUDA_ERROR_INVALID_VALUE;
    if (sharedMemBytes > SIM_MAX_SHARED) return CUDA_ERROR_INVALID_VALUE;
    netc_sim_launch l = {{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}, check_pointer,
                         last_launch_error, sizeof last_launch_error};
    last_launch_error[0] = 0;
    int status = f->entry(&l, kernelParams);
    if (status != 0) {
        fprintf(stderr, "netc CUDA simulator: kernel %s: %s\n", f->name, last_launch_error);
        if (status == CUDA_ERROR_ILLEGAL_ADDRESS || status == CUDA_ERROR_LAUNCH_FAILED) {
            pthread_mutex_lock(&lock);
            sticky = (CUresult) status;
            pthread_mutex_unlock(&lock);
        }
        return (CUresult) status;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream* phStream, unsigned int Flags) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (phStream == NULL || Flags > 1) return CUDA_ERROR_INVALID_VALUE;
    *phStream = calloc(1, sizeof(struct CUstream_st));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream hStream) {
    (void) hStream;
    return need_context();
}

CUresult CUDAAPI cuStreamDestroy(CUstream hStream) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (hStream == NULL) return CUDA_ERROR_INVALID_HANDLE;
    free(hStream);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventCreate(CUevent* phEvent, unsigned int Flags) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (phEvent == NULL) return CUDA_ERROR_INVALID_VALUE;
    (void) Flags;
    *phEvent = calloc(1, sizeof(struct CUevent_st));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent hEvent, CUstream hStream) {
    (void) hStream;
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (hEvent == NULL) return CUDA_ERROR_INVALID_HANDLE;
    clock_gettime(CLOCK_MONOTONIC, &hEvent->when);
    hEvent->recorded = 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventSynchronize(CUevent hEvent) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    return hEvent == NULL ? CUDA_ERROR_INVALID_HANDLE : CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventElapsedTime(float* pMilliseconds, CUevent hStart, CUevent hEnd) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (pMilliseconds == NULL || hStart == NULL || hEnd == NULL) return CUDA_ERROR_INVALID_HANDLE;
    if (!hStart->recorded || !hEnd->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *pMilliseconds = (float) ((hEnd->when.tv_sec - hStart->when.tv_sec) * 1e3 + (hEnd->when.tv_nsec - hStart->when.tv_nsec) / 1e6);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent hEvent) {
    CUresult r = need_context();
    if (r != CUDA_SUCCESS) return r;
    if (hEvent == NULL) return CUDA_ERROR_INVALID_HANDLE;
    free(hEvent);
    return CUDA_SUCCESS;
}

static const char* error_name(CUresult error) {
    switch (error) {
        case CUDA_SUCCESS: return "CUDA_SUCCESS";
        case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case CUDA_ERROR_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case CUDA_ERROR_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case CUDA_ERROR_NO_BINARY_FOR_GPU: return "CUDA_ERROR_NO_BINARY_FOR_GPU";
        case CUDA_ERROR_INVALID_PTX: return "CUDA_ERROR_INVALID_PTX";
        case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case CUDA_ERROR_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        case CUDA_ERROR_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        default: return NULL;
    }
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char** pStr) {
    if (pStr == NULL) return CUDA_ERROR_INVALID_VALUE;
    *pStr = error_name(error);
    return *pStr == NULL ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char** pStr) {
    return cuGetErrorName(error, pStr);
}
