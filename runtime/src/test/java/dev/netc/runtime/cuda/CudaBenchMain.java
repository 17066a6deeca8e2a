package dev.netc.runtime.cuda;

import dev.netc.api.GeneratedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU benchmark behind bench/gpu/run.sh (a main in test scope, so it can use the frontend):
 * MNIST CNN conv layers at batch 64 and 256, fused vs unfused vs cuDNN, and MNIST CNN training
 * images/s, fused and unfused. Writes markdown to the file named by the first argument; the optional
 * second, third and fourth are the batch sizes (comma-separated, default 64,256), warm-up and timed
 * runs (default 20 and 100; the simulator run in CI uses a few).
 */
public final class CudaBenchMain {
    private CudaBenchMain() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "gpu-bench.md");
        List<Integer> batches = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).map(Integer::valueOf).toList() : List.of(64, 256);
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20, runs = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        CudaDriver cu = CudaDriver.load();
        CudaDriver.Device device = cu.device(0);
        cu.useDevice(device);
        Nvrtc nvrtc = Nvrtc.load();
        StringBuilder md = new StringBuilder("# netc on " + device.name() + " (" + device.arch() + ")\n\n");
        md.append("NVRTC ").append(nvrtc.version()).append("; medians of CUDA-event timings after warm-up.\n\n");
        md.append("## MNIST CNN conv layers (conv + bias + ReLU), ms per call\n\n");
        md.append("| layer | batch | ours fused | ours unfused | cuDNN unfused | cuDNN fused | fused vs unfused | fused vs cuDNN unfused |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        try (Cudnn dnn = Cudnn.load()) {
            for (int batch : batches) {
                for (var t : List.of(ConvLayerBench.run(cu, nvrtc, dnn, device.arch(), "conv1 1->32 5x5 28x28", batch, 1, 28, 32, 5, warmup, runs),
                        ConvLayerBench.run(cu, nvrtc, dnn, device.arch(), "conv2 32->64 5x5 14x14", batch, 32, 14, 64, 5, warmup, runs))) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.4f | %.4f | %.4f | %.2fx | %.2fx |%n", t.layer(), t.batch(),
                            t.fused(), t.unfused(), t.cudnnUnfused(), t.cudnnFused(), t.unfused() / t.fused(), t.cudnnUnfused() / t.fused()));
                }
            }
        } catch (CudaUnavailableException e) {
            md.append("\ncuDNN unavailable: ").append(e.getMessage()).append('\n');
        }
        md.append("\n## MNIST CNN training (forward, backward, Adam), images/s\n\n| plan | batch | images/s |\n|---|---|---|\n");
        CudaExamples.Trained cnn = CudaExamples.named("mnist_cnn");
        for (boolean fuse : new boolean[] {true, false}) {
            for (int batch : batches) {
                try (CudaModel m = new CudaModel(cu, cnn.program(fuse).manifest(), CudaBackend.compile(nvrtc, cnn.program(fuse), device.arch()))) {
                    double ips = trainingThroughput(cu, m, cnn, batch, Math.max(1, warmup / 2), Math.max(1, runs / 2));
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.0f |%n", fuse ? "fused" : "unfused", batch, ips));
                }
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    /** Images per second over {@code steps} training steps after {@code warmup}, inputs fixed on the device. */
    static double trainingThroughput(CudaDriver cu, CudaModel m, CudaExamples.Trained t, int batch, int warmup, int steps) {
        m.setBatch(batch);
        m.setSeed(1);
        GpuTest.feedParameters(t.graph(), List.<GeneratedModel>of(m), new SplittableRandom(1));
        GpuTest.feedBatch(t.graph(), List.<GeneratedModel>of(m), new SplittableRandom(2));
        float lr = (float) t.optimizer().learningRate();
        int[] step = {0};
        Runnable train = () -> {
            m.forward(true);
            m.backward();
            m.update(lr, ++step[0]);
        };
        double msPerStep = ConvLayerBench.Timer.median(cu, warmup, steps, train);
        return batch / (msPerStep / 1000);
    }
}
