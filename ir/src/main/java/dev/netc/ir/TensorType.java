package dev.netc.ir;

/** The static type of a value in the IR: element type and shape. */
public record TensorType(DType dtype, Shape shape) {

    public static TensorType f32(int... sizes) { return new TensorType(DType.F32, Shape.of(sizes)); }

    public TensorType withShape(Shape s) { return new TensorType(dtype, s); }

    public TensorType withDType(DType d) { return new TensorType(d, shape); }

    public int rank() { return shape.rank(); }

    @Override public String toString() { return dtype.spelling() + shape; }
}
