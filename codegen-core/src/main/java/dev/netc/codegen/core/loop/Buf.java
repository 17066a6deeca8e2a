package dev.netc.codegen.core.loop;

/**
 * A buffer a loop kernel reads or writes: its identifier in generated code (a field of the Java
 * class, a parameter of the CUDA function), whether it holds integers rather than f32 elements, and
 * whether those integers are bytes (u8 max-pool window positions) rather than i32.
 */
public record Buf(String name, boolean isInt, boolean isByte) {
    public Buf {
        if (isByte && !isInt) throw new IllegalArgumentException("buffer " + name + ": bytes are integers");
    }

    /** An f32 (isInt false) or i32 buffer. */
    public Buf(String name, boolean isInt) { this(name, isInt, false); }

    /** The buffer of a value of this element type. */
    public static Buf of(String name, dev.netc.ir.DType dtype) {
        return new Buf(name, !dtype.isFloat(), dtype == dev.netc.ir.DType.U8);
    }
}
