package dev.netc.codegen.core.loop;

/**
 * A buffer a loop kernel reads or writes: its identifier in generated code (a field of the Java
 * class, a parameter of the CUDA function) and whether it holds i32 rather than f32 elements.
 */
public record Buf(String name, boolean isInt) {}
