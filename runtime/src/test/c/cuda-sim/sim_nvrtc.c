/* A stand-in for NVRTC (libnvrtc.so.13) for netc's CUDA simulator: nvrtcCompileProgram compiles the
 * program's CUDA C with the host C++ compiler and netc_sim_cuda.h into a shared library, with one
 * generated entry point per `extern "C" __global__` kernel, and hands back a module image naming that
 * library (netc_sim_abi.h) that the simulated driver's cuModuleLoadData loads.
 *
 * Libraries are cached by a hash of source, options and compiler command in $NETC_CUDA_SIM_CACHE,
 * else in cache/ beside this library, so each program is compiled once. The compiler is
 * $NETC_CUDA_SIM_CXX (default g++) with $NETC_CUDA_SIM_CXXFLAGS added (e.g. sanitizers). */
#define _GNU_SOURCE
#ifdef NETC_SIM_NVRTC_FALLBACK
#include "nvrtc_fallback.h"
#else
#include <nvrtc.h>
#endif
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netc_sim_abi.h"

#define SIM_NVRTC_MAJOR 13
#define SIM_NVRTC_MINOR 1

struct _nvrtcProgram {
    char* source;
    char* name;
    char* log;
    char* image;      /* NUL-terminated module image, NULL before a successful compile */
};

const char* nvrtcGetErrorString(nvrtcResult result) {
    switch (result) {
        case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
        case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
        case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
        case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
        case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
        case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
        case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
        case NVRTC_ERROR_INTERNAL_ERROR: return "NVRTC_ERROR_INTERNAL_ERROR";
        default: return "NVRTC_ERROR unknown";
    }
}

nvrtcResult nvrtcVersion(int* major, int* minor) {
    if (major == NULL || minor == NULL) return NVRTC_ERROR_INVALID_INPUT;
    *major = SIM_NVRTC_MAJOR;
    *minor = SIM_NVRTC_MINOR;
    return NVRTC_SUCCESS;
}

static const int supported[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};

nvrtcResult nvrtcGetNumSupportedArchs(int* numArchs) {
    if (numArchs == NULL) return NVRTC_ERROR_INVALID_INPUT;
    *numArchs = (int) (sizeof supported / sizeof supported[0]);
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetSupportedArchs(int* supportedArchs) {
    if (supportedArchs == NULL) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(supportedArchs, supported, sizeof supported);
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders,
                               const char* const* headers, const char* const* includeNames) {
    (void) headers;
    (void) includeNames;
    if (prog == NULL || src == NULL || numHeaders < 0) return NVRTC_ERROR_INVALID_INPUT;
    if (numHeaders > 0) return NVRTC_ERROR_INVALID_INPUT;  /* netc's programs are self-contained */
    nvrtcProgram p = calloc(1, sizeof *p);
    if (p == NULL) return NVRTC_ERROR_OUT_OF_MEMORY;
    p->source = strdup(src);
    p->name = strdup(name != NULL ? name : "default_program");
    p->log = strdup("");
    *prog = p;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcDestroyProgram(nvrtcProgram* prog) {
    if (prog == NULL || *prog == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    free((*prog)->source);
    free((*prog)->name);
    free((*prog)->log);
    free((*prog)->image);
    free(*prog);
    *prog = NULL;
    return NVRTC_SUCCESS;
}

static void set_log(nvrtcProgram p, const char* text) {
    free(p->log);
    p->log = strdup(text);
}

static uint64_t fnv1a(uint64_t h, const char* s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char) s[i]) * 0x100000001b3ULL;
    return h;
}

/* The folder this library was loaded from (it holds netc_sim_cuda.h). */
static void own_folder(char* out, size_t size) {
    Dl_info info;
    char path[4096] = ".";
    if (dladdr((void*) &nvrtcVersion, &info) != 0 && info.dli_fname != NULL) snprintf(path, sizeof path, "%s", info.dli_fname);
    char* resolved = realpath(path, NULL);
    snprintf(out, size, "%s", dirname(resolved != NULL ? resolved : path));
    free(resolved);
}

/* Whether an architecture option names one NVRTC 13 accepts: compute_XY or sm_XY with XY >= 50. */
static int valid_arch(const char* arch) {
    const char* digits = strncmp(arch, "compute_", 8) == 0 ? arch + 8 : strncmp(arch, "sm_", 3) == 0 ? arch + 3 : NULL;
    if (digits == NULL || !isdigit((unsigned char) digits[0]) || !isdigit((unsigned char) digits[1])) return 0;
    return atoi(digits) >= 50;
}

/* Appends one generated entry point per `extern "C" __global__ void [__launch_bounds__(...)] NAME(`. */
static int write_entries(FILE* out, const char* source) {
    static const char marker[] = "extern \"C\" __global__ void";
    int count = 0;
    for (const char* s = strstr(source, marker); s != NULL; s = strstr(s, marker)) {
        s += sizeof marker - 1;
        while (isspace((unsigned char) *s)) s++;
        if (strncmp(s, "__launch_bounds__", 17) == 0) {
            s = strchr(s, ')');
            if (s == NULL) break;
            s++;
            while (isspace((unsigned char) *s)) s++;
        }
        const char* name = s;
        while (isalnum((unsigned char) *s) || *s == '_') s++;
        if (s == name) continue;
        int n = (int) (s - name);
        fprintf(out, "extern \"C\" __attribute__((visibility(\"default\"))) int " NETC_SIM_ENTRY_PREFIX
                     "%.*s(const netc_sim_launch* l, void** p) { return netc_sim::entry<&%.*s>(l, p); }\n", n, name, n, name);
        count++;
    }
    return count;
}

static int write_file(const char* path, const char* text) {
    FILE* f = fopen(path, "w");
    if (f == NULL) return -1;
    fputs(text, f);
    return fclose(f);
}

/* Runs the compiler; its output becomes the program log. */
static int run_compiler(nvrtcProgram p, const char* command) {
    FILE* pipe = popen(command, "r");
    if (pipe == NULL) {
        set_log(p, "netc CUDA simulator: cannot start the host compiler");
        return -1;
    }
    size_t size = 0, capacity = 4096;
    char* text = malloc(capacity);
    for (size_t n; (n = fread(text + size, 1, capacity - size - 1, pipe)) > 0;) {
        size += n;
        if (capacity - size < 2) text = realloc(text, capacity *= 2);
    }
    text[size] = 0;
    int status = pclose(pipe);
    set_log(p, text);
    free(text);
    return status;
}

nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char* const* options) {
    if (prog == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    if (numOptions < 0 || (numOptions > 0 && options == NULL)) return NVRTC_ERROR_INVALID_INPUT;
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (int i = 0; i < numOptions; i++) {
        const char* o = options[i];
        const char* arch = strncmp(o, "--gpu-architecture=", 19) == 0 ? o + 19 : strncmp(o, "-arch=", 6) == 0 ? o + 6 : NULL;
        if (strcmp(o, "-arch") == 0 || strcmp(o, "--gpu-architecture") == 0) arch = i + 1 < numOptions ? options[++i] : "";
        if (arch != NULL && !valid_arch(arch)) {
            char message[512];
            snprintf(message, sizeof message, "nvrtc: error: invalid value for --gpu-architecture (-arch): %s\n", arch);
            set_log(prog, message);
            return NVRTC_ERROR_INVALID_OPTION;
        }
        hash = fnv1a(hash, o, strlen(o) + 1);
    }
    char folder[4096], cache[4200];
    own_folder(folder, sizeof folder);
    const char* cache_env = getenv("NETC_CUDA_SIM_CACHE");
    if (cache_env != NULL && *cache_env != 0) snprintf(cache, sizeof cache, "%s", cache_env);
    else snprintf(cache, sizeof cache, "%s/cache", folder);
    if (mkdir(cache, 0755) != 0 && errno != EEXIST) {
        set_log(prog, "netc CUDA simulator: cannot create the kernel cache folder");
        return NVRTC_ERROR_INTERNAL_ERROR;
    }
    const char* cxx = getenv("NETC_CUDA_SIM_CXX");
    const char* flags = getenv("NETC_CUDA_SIM_CXXFLAGS");
    if (cxx == NULL || *cxx == 0) cxx = "g++";
    if (flags == NULL) flags = "";
    hash = fnv1a(hash, cxx, strlen(cxx) + 1);
    hash = fnv1a(hash, flags, strlen(flags) + 1);
    hash = fnv1a(hash, prog->source, strlen(prog->source));

    char base[4300], library[4400];
    snprintf(base, sizeof base, "%s/%016llx", cache, (unsigned long long) hash);
    snprintf(library, sizeof library, "%s.so", base);
    if (access(library, R_OK) != 0) {
        char cu[4500], cpp[4500], partial[4500], command[16384];
        snprintf(cu, sizeof cu, "%s.cu", base);
        snprintf(cpp, sizeof cpp, "%s.entries.cpp", base);
        snprintf(partial, sizeof partial, "%s.%d.so.part", base, (int) getpid());
        if (write_file(cu, prog->source) != 0) {
            set_log(prog, "netc CUDA simulator: cannot write to the kernel cache folder");
            return NVRTC_ERROR_INTERNAL_ERROR;
        }
        FILE* entries = fopen(cpp, "w");
        if (entries == NULL) return NVRTC_ERROR_INTERNAL_ERROR;
        fprintf(entries, "// %s: the program, then one simulator entry point per kernel\n#include \"%s\"\n", prog->name, cu);
        write_entries(entries, prog->source);
        fclose(entries);
        snprintf(command, sizeof command,
                 "%s -std=c++20 -O1 -fPIC -shared -fvisibility=hidden -Wno-unknown-pragmas -I'%s' -include netc_sim_cuda.h %s"
                 " -o '%s' '%s' 2>&1",
                 cxx, folder, flags, partial, cpp);
        if (run_compiler(prog, command) != 0) {
            unlink(partial);
            return NVRTC_ERROR_COMPILATION;
        }
        if (rename(partial, library) != 0) {
            set_log(prog, "netc CUDA simulator: cannot move the kernel library into the cache");
            return NVRTC_ERROR_INTERNAL_ERROR;
        }
    } else {
        set_log(prog, "");
    }
    free(prog->image);
    size_t n = strlen(NETC_SIM_IMAGE_MAGIC) + strlen(library) + 3;
    prog->image = malloc(n);
    snprintf(prog->image, n, "%s\n%s\n", NETC_SIM_IMAGE_MAGIC, library);
    return NVRTC_SUCCESS;
}

static nvrtcResult image_size(nvrtcProgram prog, size_t* size) {
    if (prog == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    if (size == NULL) return NVRTC_ERROR_INVALID_INPUT;
    if (prog->image == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    *size = strlen(prog->image) + 1;
    return NVRTC_SUCCESS;
}

static nvrtcResult image(nvrtcProgram prog, char* out) {
    if (prog == NULL || prog->image == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    if (out == NULL) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(out, prog->image, strlen(prog->image) + 1);
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t* ptxSizeRet) { return image_size(prog, ptxSizeRet); }

nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char* ptx) { return image(prog, ptx); }

nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t* cubinSizeRet) { return image_size(prog, cubinSizeRet); }

nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char* cubin) { return image(prog, cubin); }

nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t* logSizeRet) {
    if (prog == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    if (logSizeRet == NULL) return NVRTC_ERROR_INVALID_INPUT;
    *logSizeRet = strlen(prog->log) + 1;
    return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char* log) {
    if (prog == NULL) return NVRTC_ERROR_INVALID_PROGRAM;
    if (log == NULL) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(log, prog->log, strlen(prog->log) + 1);
    return NVRTC_SUCCESS;
}
