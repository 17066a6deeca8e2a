package dev.netc.runtime.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The parts of cuDNN ({@code libcudnn.so.9}) the benchmarks compare against: the legacy convolution
 * forward, add tensor, activation forward, and the fused cudnnConvolutionBiasActivationForward. All
 * tensors are NCHW float32. Descriptors are opaque {@link MemorySegment}s owned by the caller.
 */
public final class Cudnn implements AutoCloseable {
    public static final List<String> SONAMES = List.of("libcudnn.so.9", "libcudnn.so");
    /** cudnnConvolutionFwdAlgo_t: the only algorithm cudnnConvolutionBiasActivationForward supports with ReLU. */
    public static final int ALGO_IMPLICIT_PRECOMP_GEMM = 1;
    private static final int NCHW = 0, FLOAT = 0, CROSS_CORRELATION = 1, RELU = 1, NOT_PROPAGATE_NAN = 0;

    private final MethodHandle create, destroy, setStream, errorString, createTensor, setTensor4d, createFilter, setFilter4d,
            createConv, setConv2d, workspaceSize, convForward, addTensor, createActivation, setActivation, activationForward,
            convBiasActivation;
    private final MemorySegment handle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f), zero = arena.allocateFrom(JAVA_FLOAT, 0f);

    private Cudnn(NativeLibrary lib) {
        FunctionDescriptor ptr = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        create = lib.function("cudnnCreate", ptr);
        destroy = lib.function("cudnnDestroy", ptr);
        setStream = lib.function("cudnnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        errorString = lib.function("cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        createTensor = lib.function("cudnnCreateTensorDescriptor", ptr);
        setTensor4d = lib.function("cudnnSetTensor4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        createFilter = lib.function("cudnnCreateFilterDescriptor", ptr);
        setFilter4d = lib.function("cudnnSetFilter4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        createConv = lib.function("cudnnCreateConvolutionDescriptor", ptr);
        setConv2d = lib.function("cudnnSetConvolution2dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        workspaceSize = lib.function("cudnnGetConvolutionForwardWorkspaceSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        convForward = lib.function("cudnnConvolutionForward", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        addTensor = lib.function("cudnnAddTensor", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                ADDRESS, JAVA_LONG));
        createActivation = lib.function("cudnnCreateActivationDescriptor", ptr);
        setActivation = lib.function("cudnnSetActivationDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_DOUBLE));
        activationForward = lib.function("cudnnActivationForward", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        convBiasActivation = lib.function("cudnnConvolutionBiasActivationForward", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        MemorySegment h = arena.allocate(ADDRESS);
        check("cudnnCreate", invoke(create, h));
        handle = h.get(ADDRESS, 0);
    }

    /** Loads cuDNN and creates a handle (a CUDA context must be current). */
    public static Cudnn load() { return new Cudnn(NativeLibrary.open("cuDNN", SONAMES)); }

    public void setStream(MemorySegment stream) { check("cudnnSetStream", invoke(setStream, handle, stream)); }

    /** An NCHW float tensor descriptor. */
    public MemorySegment tensor(int n, int c, int h, int w) {
        MemorySegment d = created(createTensor, "cudnnCreateTensorDescriptor");
        check("cudnnSetTensor4dDescriptor", invoke(setTensor4d, d, NCHW, FLOAT, n, c, h, w));
        return d;
    }

    /** A [k, c, h, w] float filter descriptor. */
    public MemorySegment filter(int k, int c, int h, int w) {
        MemorySegment d = created(createFilter, "cudnnCreateFilterDescriptor");
        check("cudnnSetFilter4dDescriptor", invoke(setFilter4d, d, FLOAT, NCHW, k, c, h, w));
        return d;
    }

    /** A 2-D cross-correlation with symmetric padding and no dilation, computed in float. */
    public MemorySegment convolution(int padH, int padW, int stride) {
        MemorySegment d = created(createConv, "cudnnCreateConvolutionDescriptor");
        check("cudnnSetConvolution2dDescriptor", invoke(setConv2d, d, padH, padW, stride, stride, 1, 1, CROSS_CORRELATION, FLOAT));
        return d;
    }

    /** A ReLU activation descriptor. */
    public MemorySegment relu() {
        MemorySegment d = created(createActivation, "cudnnCreateActivationDescriptor");
        check("cudnnSetActivationDescriptor", invoke(setActivation, d, RELU, NOT_PROPAGATE_NAN, 0.0));
        return d;
    }

    public long workspaceBytes(MemorySegment x, MemorySegment w, MemorySegment conv, MemorySegment y, int algo) {
        MemorySegment size = arena.allocate(JAVA_LONG);
        check("cudnnGetConvolutionForwardWorkspaceSize", invoke(workspaceSize, handle, x, w, conv, y, algo, size));
        return size.get(JAVA_LONG, 0);
    }

    /** y = conv(x, w) (device pointers). */
    public void convolutionForward(MemorySegment xDesc, long x, MemorySegment wDesc, long w, MemorySegment conv, int algo,
                                   long workspace, long workspaceBytes, MemorySegment yDesc, long y) {
        check("cudnnConvolutionForward", invoke(convForward, handle, scalar(1), xDesc, x, wDesc, w, conv, algo, workspace, workspaceBytes,
                scalar(0), yDesc, y));
    }

    /** c = a + c, broadcasting a (e.g. a bias [1, C, 1, 1]). */
    public void addTensor(MemorySegment aDesc, long a, MemorySegment cDesc, long c) {
        check("cudnnAddTensor", invoke(addTensor, handle, scalar(1), aDesc, a, scalar(1), cDesc, c));
    }

    /** y = activation(x), in place when x == y. */
    public void activationForward(MemorySegment activation, MemorySegment xDesc, long x, MemorySegment yDesc, long y) {
        check("cudnnActivationForward", invoke(activationForward, handle, activation, scalar(1), xDesc, x, scalar(0), yDesc, y));
    }

    /** y = activation(conv(x, w) + 0 * z + bias): cuDNN's fused call (z aliases y, its factor is 0). */
    public void convolutionBiasActivation(MemorySegment xDesc, long x, MemorySegment wDesc, long w, MemorySegment conv, int algo,
                                          long workspace, long workspaceBytes, MemorySegment biasDesc, long bias,
                                          MemorySegment activation, MemorySegment yDesc, long y) {
        check("cudnnConvolutionBiasActivationForward", invoke(convBiasActivation, handle, scalar(1), xDesc, x, wDesc, w, conv, algo,
                workspace, workspaceBytes, scalar(0), yDesc, y, biasDesc, bias, activation, yDesc, y));
    }

    @Override public void close() {
        check("cudnnDestroy", invoke(destroy, handle));
        arena.close();
    }

    private MemorySegment scalar(int v) { return v == 0 ? zero : one; }

    private MemorySegment created(MethodHandle h, String what) {
        MemorySegment out = arena.allocate(ADDRESS);
        check(what, invoke(h, out));
        return out.get(ADDRESS, 0);
    }

    /** Setup and benchmark calls are few, so the generic invocation is fast enough. */
    private static int invoke(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    private void check(String call, int status) {
        if (status == 0) return;
        String text;
        try {
            text = ((MemorySegment) errorString.invokeExact(status)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "cuDNN error";
        }
        throw new CudaException(call, status, text);
    }
}
