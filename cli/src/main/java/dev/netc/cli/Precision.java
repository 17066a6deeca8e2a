package dev.netc.cli;

import dev.netc.codegen.cuda.GemmTiling;
import java.util.Locale;

/** {@code --precision fp32|tf32}: the arithmetic of the CUDA backend's matmuls and convolutions. */
final class Precision {
    private Precision() {}

    static final String DESCRIPTION = "CUDA GEMM arithmetic: fp32 (default, exact single precision) or tf32 (tensor cores, "
            + "compute capability 8.0+; operands rounded to a 10-bit mantissa, about 1e-3 relative difference).";

    static GemmTiling.Precision parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "fp32" -> GemmTiling.Precision.FP32;
            case "tf32" -> GemmTiling.Precision.TF32;
            default -> throw new CommandError("error: unknown --precision '" + text + "' (available: fp32, tf32)");
        };
    }

    /** tf32 means something only to the CUDA backend; asking for it elsewhere is a mistake worth reporting. */
    static GemmTiling.Precision forBackend(String text, String backend) {
        GemmTiling.Precision p = parse(text);
        if (p != GemmTiling.Precision.FP32 && !backend.equals("cuda"))
            throw new CommandError("error: --precision " + text + " applies to the CUDA backend only (add --backend cuda or --target cuda)");
        return p;
    }
}
