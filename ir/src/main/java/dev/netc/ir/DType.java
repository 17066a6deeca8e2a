package dev.netc.ir;

/** Element types of tensors. f64 exists so gradient checks can run in double precision. */
public enum DType {
    F32, F64, I32;

    public boolean isFloat() { return this != I32; }

    /** The spelling used in .net files and IR dumps. */
    public String spelling() { return name().toLowerCase(); }

    public static DType parse(String s) {
        return switch (s) {
            case "f32" -> F32;
            case "f64" -> F64;
            case "i32" -> I32;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (expected f32, f64 or i32)");
        };
    }
}
