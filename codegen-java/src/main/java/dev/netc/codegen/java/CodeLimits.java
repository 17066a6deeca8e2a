package dev.netc.codegen.java;

/**
 * How much code the Java backend puts in one class and one method. The JVM allows 64 KiB of bytecode
 * per method and 65,535 constant-pool entries per class, and its JIT leaves methods over 8,000 bytes
 * interpreted; javac slows down on huge methods and switches. A model within the one-class limits
 * becomes one readable class (a field per buffer); a larger one is split ({@link SplitLayout}): its
 * buffers live in arrays, its kernels in nested classes of at most {@code kernelsPerPart} kernels and
 * {@code charsPerPart} characters of code, and every long list of statements (allocation, name
 * lookup, parameter updates) is cut into methods of at most {@code statementsPerMethod} statements.
 * Each part then stays far below the JVM's limits, however large the model.
 *
 * @param oneClassKernels     the most kernels a one-class model has
 * @param oneClassBuffers     the most buffers (fields, optimizer state included) a one-class model has
 * @param oneClassChars       the most characters of kernel and update code a one-class model has
 * @param kernelsPerPart      the most kernels in one nested class of a split model
 * @param charsPerPart        the most characters of kernel code in one nested class (it may hold one
 *                            kernel that alone is longer)
 * @param statementsPerMethod the most statements (allocations, lookup cases, update calls, calls of
 *                            parts) in one method of a split model
 */
record CodeLimits(int oneClassKernels, int oneClassBuffers, int oneClassChars, int kernelsPerPart, int charsPerPart,
                  int statementsPerMethod) {

    /** What the backend uses. */
    static final CodeLimits DEFAULT = new CodeLimits(400, 1000, 600_000, 200, 200_000, 200);

    /** Splits every model, into parts of a few members each: small models exercise the split layout in tests. */
    static final CodeLimits ALWAYS_SPLIT = new CodeLimits(0, 0, 0, 3, 2_000, 4);

    CodeLimits {
        if (kernelsPerPart < 1 || charsPerPart < 1 || statementsPerMethod < 2)
            throw new IllegalArgumentException("limits too small: " + kernelsPerPart + " kernels, " + charsPerPart
                    + " chars per part, " + statementsPerMethod + " statements per method");
    }

    /** True when a model of this size fits one class. */
    boolean fitsOneClass(int kernels, int buffers, long chars) {
        return kernels <= oneClassKernels && buffers <= oneClassBuffers && chars <= oneClassChars;
    }
}
