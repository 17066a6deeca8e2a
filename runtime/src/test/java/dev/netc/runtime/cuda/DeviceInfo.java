package dev.netc.runtime.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The first step of bench/gpu/run.sh: prints the GPU, the driver's CUDA version, NVRTC's version and
 * cuDNN's, one per line, as the runtime finds them; exits 1 when the driver or NVRTC is missing (cuDNN
 * is optional: only the cuDNN comparison in CudaBenchMain needs it).
 */
public final class DeviceInfo {
    private DeviceInfo() {}

    public static void main(String[] args) throws Throwable {
        try {
            CudaDriver cu = CudaDriver.load();
            CudaDriver.Device d = cu.device(0);
            System.out.println("device: " + d.name() + " (" + d.arch() + ")");
            NativeLibrary driver = NativeLibrary.open("the CUDA driver", CudaDriver.SONAMES);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(JAVA_INT);
                int status = (int) driver.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(v);
                int version = v.get(JAVA_INT, 0);
                System.out.println("driver: " + driver.name() + ", CUDA " + (status == 0 ? version / 1000 + "." + version % 1000 / 10 : "unknown"));
            }
            Nvrtc nvrtc = Nvrtc.load();
            System.out.println("nvrtc: " + nvrtc.library() + ", " + nvrtc.version());
        } catch (CudaUnavailableException e) {
            System.out.println("error: " + e.getMessage());
            System.exit(1);
        }
        try {
            NativeLibrary dnn = NativeLibrary.open("cuDNN", Cudnn.SONAMES);
            long v = (long) dnn.function("cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG)).invokeExact();
            System.out.println("cudnn: " + dnn.name() + ", " + v / 10000 + "." + v % 10000 / 100 + "." + v % 100);
        } catch (CudaUnavailableException e) {
            System.out.println("cudnn: none (" + e.getMessage() + ")");
        }
    }
}
