package dev.netc.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * relu, sigmoid and tanh take their derivative from their output, so the pre-activation (x @ w + b)
 * has the activation as its only reader and the fusion pass can put the whole layer in one kernel.
 */
class ActivationGradientUsersTest {
    @ParameterizedTest
    @EnumSource(value = UnaryFn.class, names = {"RELU", "SIGMOID", "TANH"})
    void thePreActivationHasOneReader(UnaryFn fn) throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input("x", new TensorType(DType.F32, Shape.of(Dim.sym("B"), Dim.of(3))));
        int w = g.parameter("w", TensorType.f32(3, 2), new Init.Ones(), true);
        int b = g.parameter("b", TensorType.f32(2), new Init.Zeros(), true);
        int mm = g.add(new Op.MatMul(false, false), null, x, w);
        int pre = g.add(new Op.Binary(BinaryFn.ADD), null, mm, b);
        int act = g.add(new Op.Unary(fn), "h", pre);
        int loss = g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0, 1), false), "loss", act);
        g.output("h", act);
        g.output("loss", loss);
        Graph d = Autodiff.differentiate(g.build());
        boolean[] live = d.ancestors(d.outputs().values());
        List<Integer> readers = d.users().get(pre).stream().filter(u -> live[u]).toList();
        assertEquals(List.of(act), readers, fn + ": the gradient reads the pre-activation\n" + d);
    }
}
