package dev.netc.runtime.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through the foreign function API: initialisation, the
 * device's primary context, memory, modules, launches, streams and events. Device pointers are
 * {@code long}s; modules, functions, streams and events are opaque {@link MemorySegment}s.
 */
public final class CudaDriver {
    /** The driver's sonames. */
    public static final List<String> SONAMES = List.of("libcuda.so.1", "libcuda.so");
    private static final int ATTRIBUTE_CC_MAJOR = 75, ATTRIBUTE_CC_MINOR = 76;

    private final NativeLibrary lib;
    private final MethodHandle init, deviceCount, deviceGet, deviceName, deviceAttribute, primaryRetain, primaryReset, ctxSetCurrent, ctxSync;
    private final MethodHandle memAlloc, memFree, htod, dtoh, dtod, memsetD32, moduleLoadData, moduleGetFunction, moduleUnload;
    private final MethodHandle launch, streamCreate, streamSync, streamDestroy, eventCreate, eventRecord, eventSync, eventElapsed,
            eventDestroy, errorName;
    /** The context {@link #useDevice} made current (NULL before): {@link #makeCurrent} binds it to other threads. */
    private volatile MemorySegment context = MemorySegment.NULL;
    /** The device of {@link #useDevice} (-1 before). */
    private volatile int deviceHandle = -1;
    /**
     * Resets of the primary context after sticky errors, in this process (the primary context is the
     * process's, shared by every CudaDriver instance): a model made before a reset has lost its memory.
     */
    private static final AtomicInteger RESETS = new AtomicInteger();

    private CudaDriver(NativeLibrary lib) {
        this.lib = lib;
        FunctionDescriptor ptrOnly = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        init = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        deviceCount = lib.function("cuDeviceGetCount", ptrOnly);
        deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        deviceName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceAttribute = lib.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        primaryRetain = lib.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        primaryReset = lib.function(lib.has("cuDevicePrimaryCtxReset_v2") ? "cuDevicePrimaryCtxReset_v2" : "cuDevicePrimaryCtxReset",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        ctxSetCurrent = lib.function("cuCtxSetCurrent", ptrOnly);
        ctxSync = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        memAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        htod = lib.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        dtoh = lib.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        dtod = lib.function("cuMemcpyDtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        memsetD32 = lib.function("cuMemsetD32_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
        moduleLoadData = lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        moduleGetFunction = lib.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        moduleUnload = lib.function("cuModuleUnload", ptrOnly);
        launch = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        streamCreate = lib.function("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        streamSync = lib.function("cuStreamSynchronize", ptrOnly);
        streamDestroy = lib.function("cuStreamDestroy_v2", ptrOnly);
        eventCreate = lib.function("cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        eventRecord = lib.function("cuEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        eventSync = lib.function("cuEventSynchronize", ptrOnly);
        eventElapsed = lib.function(lib.has("cuEventElapsedTime_v2") ? "cuEventElapsedTime_v2" : "cuEventElapsedTime",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        eventDestroy = lib.function("cuEventDestroy_v2", ptrOnly);
        errorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** Loads the driver and calls cuInit; fails with {@link CudaUnavailableException} without a driver or a GPU. */
    public static CudaDriver load() {
        CudaDriver d = new CudaDriver(NativeLibrary.open("the CUDA driver", SONAMES));
        try {
            int status = (int) d.init.invokeExact(0);
            if (status != 0) throw new CudaUnavailableException("cuInit failed: " + d.describe(status) + " (no usable NVIDIA GPU?)");
            if (d.deviceCount() == 0) throw new CudaUnavailableException("the CUDA driver reports no GPU");
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
        return d;
    }

    /** The name and compute capability of a device. */
    public record Device(int ordinal, int handle, String name, int major, int minor) {
        /** e.g. "sm_90". */
        public String arch() { return "sm_" + major + minor; }
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) deviceCount.invokeExact(n));
            return n.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    public Device device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT), name = a.allocate(256), v = a.allocate(JAVA_INT);
            check("cuDeviceGet", (int) deviceGet.invokeExact(dev, ordinal));
            int handle = dev.get(JAVA_INT, 0);
            check("cuDeviceGetName", (int) deviceName.invokeExact(name, 256, handle));
            check("cuDeviceGetAttribute", (int) deviceAttribute.invokeExact(v, ATTRIBUTE_CC_MAJOR, handle));
            int major = v.get(JAVA_INT, 0);
            check("cuDeviceGetAttribute", (int) deviceAttribute.invokeExact(v, ATTRIBUTE_CC_MINOR, handle));
            return new Device(ordinal, handle, name.getString(0), major, v.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** Makes the device's primary context current on the calling thread. */
    public void useDevice(Device device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) primaryRetain.invokeExact(ctx, device.handle()));
            context = ctx.get(ADDRESS, 0);
            deviceHandle = device.handle();
            check("cuCtxSetCurrent", (int) ctxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /**
     * Makes the context of {@link #useDevice} current on the calling thread. The driver keeps the
     * current context per thread, so every thread that calls into it needs this (cheap: a thread-local
     * store in the driver); without a device chosen it does nothing.
     */
    public void makeCurrent() {
        MemorySegment c = context;
        if (c.equals(MemorySegment.NULL)) return;
        call("cuCtxSetCurrent", () -> (int) ctxSetCurrent.invokeExact(c));
    }

    public void synchronize() { call("cuCtxSynchronize", () -> (int) ctxSync.invokeExact()); }

    /** Allocates device memory (at least 4 bytes, so every buffer has a distinct address). */
    public long malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            check("cuMemAlloc", (int) memAlloc.invokeExact(p, Math.max(4, bytes)));
            return p.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    public void free(long devicePointer) { call("cuMemFree", () -> (int) memFree.invokeExact(devicePointer)); }

    public void copyToDevice(long dst, MemorySegment src, long bytes) { call("cuMemcpyHtoD", () -> (int) htod.invokeExact(dst, src, bytes)); }

    public void copyToHost(MemorySegment dst, long src, long bytes) { call("cuMemcpyDtoH", () -> (int) dtoh.invokeExact(dst, src, bytes)); }

    public void copyOnDevice(long dst, long src, long bytes) { call("cuMemcpyDtoD", () -> (int) dtod.invokeExact(dst, src, bytes)); }

    /** Sets {@code count} 32-bit words to {@code bits} (e.g. Float.floatToRawIntBits(v)). */
    public void fill32(long dst, int bits, long count) { call("cuMemsetD32", () -> (int) memsetD32.invokeExact(dst, bits, count)); }

    /** Loads a module from PTX (NUL-terminated text) or a CUBIN. */
    public MemorySegment loadModule(byte[] image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(ADDRESS), data = a.allocate(image.length + 1L);
            data.copyFrom(MemorySegment.ofArray(image));
            check("cuModuleLoadData", (int) moduleLoadData.invokeExact(m, data));
            return m.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    public MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")", (int) moduleGetFunction.invokeExact(f, module, a.allocateFrom(name)));
            return f.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    public void unload(MemorySegment module) { call("cuModuleUnload", () -> (int) moduleUnload.invokeExact(module)); }

    /** Launches a kernel; {@code params} is an array of pointers to the argument values (cuLaunchKernel's kernelParams). */
    public void launch(MemorySegment function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, MemorySegment stream,
                       MemorySegment params) {
        call("cuLaunchKernel", () -> (int) launch.invokeExact(function, gx, gy, gz, bx, by, bz, sharedBytes, stream, params, MemorySegment.NULL));
    }

    public MemorySegment createStream() { return create("cuStreamCreate", streamCreate); }

    public void synchronize(MemorySegment stream) { call("cuStreamSynchronize", () -> (int) streamSync.invokeExact(stream)); }

    public void destroyStream(MemorySegment stream) { call("cuStreamDestroy", () -> (int) streamDestroy.invokeExact(stream)); }

    public MemorySegment createEvent() { return create("cuEventCreate", eventCreate); }

    public void record(MemorySegment event, MemorySegment stream) { call("cuEventRecord", () -> (int) eventRecord.invokeExact(event, stream)); }

    /** Milliseconds between two recorded events (waits for the second). */
    public float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            check("cuEventSynchronize", (int) eventSync.invokeExact(end));
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) eventElapsed.invokeExact(ms, start, end));
            return ms.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    public void destroyEvent(MemorySegment event) { call("cuEventDestroy", () -> (int) eventDestroy.invokeExact(event)); }

    private MemorySegment create(String what, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(what, (int) h.invokeExact(out, 0));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** A driver call returning CUresult. */
    @FunctionalInterface private interface Call { int run() throws Throwable; }

    private void call(String what, Call c) {
        int status;
        try {
            status = c.run();
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
        check(what, status);
    }

    private void check(String call, int status) {
        if (status == 0) return;
        if (isSticky(status) && deviceHandle >= 0) {
            String what = describe(status);
            resetPrimaryContext();
            throw new CudaException(call, status, what + "; a sticky error, so the CUDA context was reset: the device memory of every"
                    + " CUDA model of this process is gone and they must be compiled again");
        }
        throw new CudaException(call, status, describe(status));
    }

    /**
     * CUDA errors after which the context refuses all work until it is reset (illegal or misaligned
     * address, launch timeout or failure, device assert, illegal instruction, stack error, invalid PC).
     */
    static boolean isSticky(int status) {
        return switch (status) {
            case 700, 702, 710, 714, 715, 716, 717, 718, 719 -> true;
            default -> false;
        };
    }

    /** How many times this process's primary context has been reset after a sticky error. */
    public static int resets() { return RESETS.get(); }

    /**
     * Resets the primary context (frees all device memory and modules, clears the error) and makes the
     * fresh context current, so that the next model works; a failed reset leaves the error as it was.
     */
    private void resetPrimaryContext() {
        try (Arena a = Arena.ofConfined()) {
            if ((int) primaryReset.invokeExact(deviceHandle) != 0) return;
            RESETS.incrementAndGet();
            // retained again: after a reset the handle may name a new context
            MemorySegment ctx = a.allocate(ADDRESS);
            if ((int) primaryRetain.invokeExact(ctx, deviceHandle) != 0) return;
            context = ctx.get(ADDRESS, 0);
            int ignored = (int) ctxSetCurrent.invokeExact(context);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    private String describe(int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ADDRESS);
            if ((int) errorName.invokeExact(status, s) != 0) return "CUDA error " + status;
            return s.get(ADDRESS, 0).reinterpret(128).getString(0);
        } catch (Throwable t) {
            return "CUDA error " + status;
        }
    }
}
