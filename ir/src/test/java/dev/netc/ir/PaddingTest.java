package dev.netc.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 10: the window rule must not depend on the stride when the window overhangs the input. */
class PaddingTest {
    @Test
    void aWindowLargerThanThePaddedInputFitsNowhereAtAnyStride() {
        for (int stride = 1; stride <= 5; stride++) assertEquals(0, Padding.outSize(2, 3, stride, 0, 0), "stride " + stride);
        assertEquals(1, Padding.outSize(3, 3, 3, 0, 0));
        assertEquals(2, Padding.outSize(2, 3, 1, 1, 1));
        assertEquals(Integer.MAX_VALUE, Padding.outSize(Integer.MAX_VALUE, 1, 1, Integer.MAX_VALUE, 0), "no int overflow");
    }

    @Test
    void poolingAndConvolutionShapeRulesNameTheWindowAndTheInput() {
        TensorType x = new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(1), Dim.of(2), Dim.of(2)));
        ShapeError max = assertThrows(ShapeError.class, () -> new Op.MaxPool(3, 3, Padding.NONE).infer(List.of(x)));
        assertEquals("max_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)", max.getMessage());
        ShapeError avg = assertThrows(ShapeError.class, () -> new Op.AvgPool(3, 4, Padding.NONE).infer(List.of(x)));
        assertEquals("avg_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)", avg.getMessage());
        TensorType w = new TensorType(DType.F32, Shape.of(1, 1, 3, 3));
        ShapeError conv = assertThrows(ShapeError.class, () -> new Op.Conv2d(2, Padding.NONE).infer(List.of(x, w)));
        assertEquals("conv2d: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)", conv.getMessage());
    }
}
