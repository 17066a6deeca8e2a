package dev.netc.ir;

/**
 * How an op touches memory, in the sense of TVM's FuseOps: fusion decides by these kinds, never by
 * named op pairs.
 */
public enum OpPattern {
    /** Leaves: inputs, parameters, constants. Never part of a kernel. */
    LEAF,
    /** out[i] = f(in[i]) for same-shaped operands. */
    ELEMWISE,
    /** Elementwise with broadcasting of some operands. */
    BROADCAST,
    /** Each output element reads one input element at a computed index (reshape, transpose). */
    INJECTIVE,
    /** Combines many input elements into one output element (sum, mean, max, softmax). */
    REDUCTION,
    /** An op whose output can absorb an elementwise epilogue (matmul, conv2d, their gradients, pool gradients). */
    OUT_ELEMWISE_FUSABLE,
    /** Anything else; fused with nothing. */
    OPAQUE
}
