package dev.netc.ir;

/**
 * Element types of tensors. f64 exists so gradient checks can run in double precision; u8 holds small
 * indices the compiler introduces (the window position of each max-pool maximum), never user data.
 */
public enum DType {
    F32, F64, I32, U8;

    public boolean isFloat() { return this == F32 || this == F64; }

    /** The spelling used in .net files and IR dumps. */
    public String spelling() { return name().toLowerCase(); }

    public static DType parse(String s) {
        return switch (s) {
            case "f32" -> F32;
            case "f64" -> F64;
            case "i32" -> I32;
            case "u8" -> U8;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (expected f32, f64 or i32)");
        };
    }
}
