package dev.netc.codegen.cuda;

import java.util.List;

/**
 * One kernel launch of a compiled model, as listed in the manifest. A plan kernel is usually one
 * launch; a head op that cannot apply its epilogue in registers adds a second, elementwise launch.
 *
 * @param function    the {@code extern "C" __global__} function's name in the .cu source
 * @param planKernel  the kernel of the plan it belongs to (for the optimizer: "update")
 * @param phase       "predict", "loss", "backward" or "update"
 * @param grid        grid dimensions x, y, z as C integer expressions of {@code batch}
 * @param block       block dimensions x, y, z
 * @param sharedBytes dynamic shared memory per block (static shared memory is declared in the kernel)
 * @param args        the arguments in order: buffer names, or the scalars {@link #SCALARS}
 */
public record LaunchSpec(String function, String planKernel, String phase, List<String> grid, List<Integer> block,
                         int sharedBytes, List<String> args) {

    /**
     * Scalar arguments and their C types: the batch size, the dropout switch (int 0/1), the dropout
     * seed and pass counter (unsigned 64-bit), and the learning rate and 1-based step of an update.
     */
    public static final List<String> SCALARS = List.of("batch", "training", "seed", "counter", "learning_rate", "step");

    public LaunchSpec {
        grid = List.copyOf(grid);
        block = List.copyOf(block);
        args = List.copyOf(args);
        if (grid.size() != 3 || block.size() != 3) throw new IllegalArgumentException("grid and block need 3 dimensions");
    }

    /** The C type of a scalar argument. */
    public static String scalarType(String scalar) {
        return switch (scalar) {
            case "batch", "training", "step" -> "int";
            case "seed", "counter" -> "unsigned long long";
            case "learning_rate" -> "float";
            default -> throw new IllegalArgumentException("not a scalar argument: " + scalar);
        };
    }

    /** Threads per block. */
    public int threadsPerBlock() { return block.get(0) * block.get(1) * block.get(2); }
}
