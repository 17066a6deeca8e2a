package dev.netc.ir.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** max_pool_argmax and max_pool_grad_indexed against max_pool_grad, the reference they replace. */
class InterpreterPoolIndexTest {

    @Test
    void theIndexedGradientRoutesLikeMaxPoolGradTiesIncluded() throws Exception {
        for (int size : new int[] {2, 4}) {
            int[] xs = {2, 3, 2 * size, 3 * size}, ys = {2, 3, 2, 3};
            GraphBuilder b = new GraphBuilder();
            int x = b.input("x", new TensorType(DType.F64, Shape.of(xs)));
            int dy = b.input("dy", new TensorType(DType.F64, Shape.of(ys)));
            int argmax = b.add(new Op.MaxPoolArgmax(size, size, Padding.NONE), "argmax", x);
            int indexed = b.add(new Op.MaxPoolGradIndexed(size), "indexed", argmax, dy);
            int plain = b.add(new Op.MaxPoolGrad(size, size, Padding.NONE), "plain", x, dy);
            b.output("argmax", argmax);
            b.output("indexed", indexed);
            b.output("plain", plain);
            Graph g = b.build();
            assertEquals(DType.U8, g.node(argmax).type().dtype());
            SplittableRandom rng = new SplittableRandom(size);
            double[] xv = new double[DTensor.count(xs)], dyv = new double[DTensor.count(ys)];
            for (int i = 0; i < xv.length; i++) xv[i] = rng.nextInt(3); // many ties: the first maximum wins
            for (int i = 0; i < dyv.length; i++) dyv[i] = rng.nextDouble() + 0.5;
            Map<String, DTensor> out = Interpreter.runOutputs(g, Map.of("x", new DTensor(xs, xv), "dy", new DTensor(ys, dyv)),
                    Map.of(), false, 0);
            assertArrayEquals(out.get("plain").data(), out.get("indexed").data(), 0, "size " + size);
            for (double a : out.get("argmax").data()) assertEquals(true, a >= 0 && a < size * size && a == Math.rint(a));
            // the first window of the first plane: its argmax names the first cell holding the window's maximum
            double best = -1;
            int first = -1;
            for (int ky = 0; ky < size; ky++)
                for (int kx = 0; kx < size; kx++)
                    if (xv[ky * xs[3] + kx] > best) { best = xv[ky * xs[3] + kx]; first = ky * size + kx; }
            assertEquals(first, out.get("argmax").data()[0]);
        }
    }

    @Test
    void theIndexedGradientAcceptsOnlyTilingWindowShapes() {
        TensorType argmax = new TensorType(DType.U8, Shape.of(2, 3, 4, 4));
        TensorType wrongDtype = new TensorType(DType.F32, Shape.of(2, 3, 4, 4));
        TensorType dy = TensorType.f32(2, 3, 4, 4);
        assertEquals(Shape.of(2, 3, 8, 8), assertDoesNotThrow(() -> new Op.MaxPoolGradIndexed(2).infer(java.util.List.of(argmax, dy))).shape());
        org.junit.jupiter.api.Assertions.assertThrows(dev.netc.ir.ShapeError.class,
                () -> new Op.MaxPoolGradIndexed(2).infer(java.util.List.of(wrongDtype, dy)));
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }
}
