package dev.netc.frontend;

import static dev.netc.frontend.Check.clean;
import static dev.netc.frontend.Check.hasMessage;
import static dev.netc.frontend.Check.single;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 10: sizes and windows that used to pass {@code check} and fail (or compute nonsense) at run time. */
class LimitsTest {

    /** param v: f32[65536, 65536] passed check and summary, then train failed as an internal error. */
    @Test
    void aTensorLargerThanTheLargestJavaArrayIsAnErrorAtCheck() {
        Diagnostic d = single("model m {\n  input x: f32[B, 2]\n  param v: f32[65536, 65536]\n  output x\n}");
        assertEquals("parameter 'v' of shape [65536, 65536] has 4,294,967,296 elements, more than a tensor can hold "
                + "(2,147,483,639, the largest Java array)", d.message());
        assertEquals(3, d.span().line());
        // a product that overflows a long is still too large, not zero
        hasMessage("model m {\n input x: f32[B, 2]\n param v: f32[65536, 65536, 65536, 65536, 65536]\n output x\n}",
                "parameter 'v' of shape [65536, 65536, 65536, 65536, 65536] has more than 9.2e18 elements");
        // an intermediate with a static shape
        hasMessage("model m {\n input x: f32[B, 2]\n param a: f32[50000, 1]\n param b: f32[1, 50000]\n c = matmul(a, b)\n output x\n}",
                "'c' (matmul) of shape [50000, 50000] has 2,500,000,000 elements");
        // a batch-dependent shape too large even at batch size 1
        hasMessage("model m {\n input x: f32[B, 50000, 50000]\n output x\n}",
                "input 'x' of shape [B, 50000, 50000] has 2,500,000,000 elements at batch size 1");
        // the largest legal size is fine
        clean("model m {\n input x: f32[B, 2]\n param v: f32[2147483639]\n output x\n}");
    }

    /** A window larger than the input was accepted at stride >= window (with implicit zero padding) and rejected at stride 1. */
    @Test
    void aWindowLargerThanItsInputIsRejectedAtEveryStride() {
        for (int stride : List.of(1, 2, 3, 4, 7)) {
            String model = "model m {\n  input x: f32[B, 1, 2, 2]\n  h = max_pool(x, size=3, stride=" + stride + ")\n  output h\n}";
            Diagnostic d = single(model);
            assertEquals("max_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)", d.message());
            hasMessage(model.replace("max_pool", "avg_pool"), "avg_pool: a 3x3 window does not fit the 2x2 input [B, 1, 2, 2] (padding valid)");
            hasMessage("model m {\n input x: f32[B, 1, 2, 5]\n h = conv2d(x, filters=1, size=3, stride=" + stride + ")\n output h\n}",
                    "conv2d: a 3x3 window does not fit the 2x5 input [B, 1, 2, 5] (padding valid)");
        }
        // 'same' padding pads the input up to the window; a window equal to the input fits
        clean("model m {\n  input x: f32[B, 1, 2, 2]\n  h = max_pool(x, size=3, stride=3, padding=same)\n  output h\n}");
        clean("model m {\n  input x: f32[B, 1, 3, 3]\n  h = max_pool(x, size=3, stride=3)\n  output h\n}");
    }
}
