package dev.netc.runtime.cuda;

import dev.netc.codegen.cuda.CudaCodegen;
import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.BinaryFn;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One convolution layer (conv + bias + ReLU, "same" padding, stride 1) four ways, timed with CUDA
 * events after a warm-up: our fused kernel, our unfused kernel sequence, cuDNN's unfused sequence
 * (convolution forward, add tensor, activation forward) and cuDNN's fused call.
 */
final class ConvLayerBench {
    private ConvLayerBench() {}

    /** Median milliseconds per layer for each variant. */
    record Timing(String layer, int batch, double fused, double unfused, double cudnnUnfused, double cudnnFused) {}

    static Timing run(CudaDriver cu, Nvrtc nvrtc, Cudnn dnn, String arch, String layer, int batch, int c, int hw, int f, int k,
                      int warmup, int reps) {
        Graph g = graph(batch, c, hw, f, k);
        double fused = ours(cu, nvrtc, arch, CudaCodegen.generate(Pipeline.compile(g, null, CompileOptions.inferenceOnly()), "conv_fused"), warmup, reps);
        double unfused = ours(cu, nvrtc, arch, CudaCodegen.generate(Pipeline.compile(g, null, CompileOptions.inferenceOnly().fused(false)), "conv_unfused"), warmup, reps);
        double[] cudnn = cudnn(cu, dnn, batch, c, hw, f, k, warmup, reps);
        return new Timing(layer, batch, fused, unfused, cudnn[0], cudnn[1]);
    }

    /** y = relu(conv2d(x, w, same) + reshape(b, [f, 1, 1])) at a fixed batch. */
    static Graph graph(int batch, int c, int hw, int f, int k) {
        GraphBuilder b = new GraphBuilder();
        int x = b.input("x", new TensorType(DType.F32, Shape.of(batch, c, hw, hw)));
        int w = b.parameter("w", new TensorType(DType.F32, Shape.of(f, c, k, k)), new Init.Zeros(), true);
        int bias = b.parameter("b", new TensorType(DType.F32, Shape.of(f)), new Init.Zeros(), true);
        int conv = b.addChecked(new Op.Conv2d(1, Padding.same(hw, hw, k, k, 1)), x, w);
        int shaped = b.addChecked(new Op.Reshape(Shape.of(f, 1, 1)), bias);
        int sum = b.addChecked(new Op.Binary(BinaryFn.ADD), conv, shaped);
        b.output("y", b.addChecked(new Op.Unary(UnaryFn.RELU), sum));
        return b.build();
    }

    private static double ours(CudaDriver cu, Nvrtc nvrtc, String arch, CudaProgram program, int warmup, int reps) {
        try (CudaModel m = new CudaModel(cu, program.manifest(), CudaBackend.compile(nvrtc, program, arch))) {
            m.setBatch(1); // every size is fixed: the batch symbol is unused
            randomize(m.floatBuffer("x"));
            randomize(m.floatBuffer("w"));
            randomize(m.floatBuffer("b"));
            return Timer.median(cu, warmup, reps, m::predict);
        }
    }

    private static double[] cudnn(CudaDriver cu, Cudnn dnn, int n, int c, int hw, int f, int k, int warmup, int reps) {
        int pad = (k - 1) / 2;
        long x = cu.malloc(4L * n * c * hw * hw), w = cu.malloc(4L * f * c * k * k), b = cu.malloc(4L * f), y = cu.malloc(4L * n * f * hw * hw);
        try {
            fillRandom(cu, x, (long) n * c * hw * hw);
            fillRandom(cu, w, (long) f * c * k * k);
            fillRandom(cu, b, f);
            MemorySegment xd = dnn.tensor(n, c, hw, hw), wd = dnn.filter(f, c, k, k), conv = dnn.convolution(pad, pad, 1);
            MemorySegment yd = dnn.tensor(n, f, hw, hw), bd = dnn.tensor(1, f, 1, 1), relu = dnn.relu();
            int algo = Cudnn.ALGO_IMPLICIT_PRECOMP_GEMM;
            long wsBytes = dnn.workspaceBytes(xd, wd, conv, yd, algo);
            long ws = cu.malloc(Math.max(4, wsBytes));
            try {
                double unfused = Timer.median(cu, warmup, reps, () -> {
                    dnn.convolutionForward(xd, x, wd, w, conv, algo, ws, wsBytes, yd, y);
                    dnn.addTensor(bd, b, yd, y);
                    dnn.activationForward(relu, yd, y, yd, y);
                });
                double fused = Timer.median(cu, warmup, reps, () ->
                        dnn.convolutionBiasActivation(xd, x, wd, w, conv, algo, ws, wsBytes, bd, b, relu, yd, y));
                return new double[] {unfused, fused};
            } finally {
                cu.free(ws);
            }
        } finally {
            for (long p : new long[] {x, w, b, y}) cu.free(p);
        }
    }

    static void randomize(float[] v) {
        SplittableRandom r = new SplittableRandom(v.length);
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() - 0.5);
    }

    private static void fillRandom(CudaDriver cu, long dst, long count) {
        float[] v = new float[(int) count];
        randomize(v);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(count * 4);
            s.copyFrom(MemorySegment.ofArray(v));
            cu.copyToDevice(dst, s, count * 4);
        }
    }

    /** Median of per-repetition CUDA-event times, after warm-up. */
    static final class Timer {
        private Timer() {}

        static double median(CudaDriver cu, int warmup, int reps, Runnable body) {
            for (int i = 0; i < warmup; i++) body.run();
            cu.synchronize();
            MemorySegment start = cu.createEvent(), end = cu.createEvent();
            double[] ms = new double[reps];
            try {
                for (int i = 0; i < reps; i++) {
                    cu.record(start, MemorySegment.NULL);
                    body.run();
                    cu.record(end, MemorySegment.NULL);
                    ms[i] = cu.elapsedMillis(start, end);
                }
            } finally {
                cu.destroyEvent(start);
                cu.destroyEvent(end);
            }
            Arrays.sort(ms);
            return ms[reps / 2];
        }
    }
}
