package dev.netc.runtime.cuda;

import java.util.Arrays;
import java.util.List;

/**
 * GpuTest's checks as a program, for bench/gpu/run.sh on a machine without Maven: every example one
 * training step against the Java backend, and mnist_cnn trained step by step on both (arguments:
 * batch and steps, default 50 and 30, then optionally the examples to step, comma-separated, default
 * all; the simulator run in CI uses fewer). Exits 0 when both hold,
 * 1 with the first difference otherwise.
 */
public final class DeviceChecks {
    private DeviceChecks() {}

    public static void main(String[] args) {
        try {
            List<CudaExamples.Trained> models = args.length > 2
                    ? Arrays.stream(args[2].split(",")).map(CudaExamples::named).toList() : CudaExamples.all();
            GpuTest.examplesMatchTheJavaBackendForOneStep(models);
            System.out.println(models.size() + " examples, one training step each: every buffer matches the Java backend");
            int batch = args.length > 0 ? Integer.parseInt(args[0]) : 50, steps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
            GpuTest.mnistCnnTrainsLikeTheJavaBackend(batch, steps);
            System.out.println("mnist_cnn, " + steps + " training steps at batch " + batch + ": losses match the Java backend");
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
            System.exit(1);
        }
    }
}
