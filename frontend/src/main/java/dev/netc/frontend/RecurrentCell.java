package dev.netc.frontend;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.Padding;
import dev.netc.ir.Shape;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One recurrent layer's parameters and its recurrence unrolled over the time axis into primitive
 * ops, laid out so that the fusion points are plain to see:
 * <ul>
 *   <li>the input projection of every time step is ONE GEMM before the loop: the sequence [B, T, F]
 *       viewed as an image [B, 1, T, F] convolved with the kernel viewed as [G*U, 1, 1, F], giving
 *       [B, G*U, T, 1] (a 2-D matmul cannot hold B*T rows: the batch is the only symbolic dimension
 *       and a shape cannot multiply it), its bias a broadcast add that fuses as the conv's epilogue;</li>
 *   <li>each step's recurrent product is ONE GEMM over the concatenated gate weights,
 *       h [B, U] x recurrent_kernel [U, G*U], whose epilogue adds that step's projection;</li>
 *   <li>the gate nonlinearities and the cell and hidden updates are elementwise ops on slices of it,
 *       which FuseOps chains into one loop each way.</li>
 * </ul>
 * The first step skips the recurrent product (the initial state is zero).
 */
final class RecurrentCell {
    private final Emitter e;
    private final SourceSpan at;
    private final Recurrent.Cell cell;
    private final Recurrent.Sequence s;
    private final int units;
    private final Value.Tensor kernel, recurrent, bias;

    private RecurrentCell(Emitter e, SourceSpan at, Recurrent.Cell cell, Recurrent.Sequence s, int units,
                          Value.Tensor kernel, Value.Tensor recurrent, Value.Tensor bias) {
        this.e = e;
        this.at = at;
        this.cell = cell;
        this.s = s;
        this.units = units;
        this.kernel = kernel;
        this.recurrent = recurrent;
        this.bias = bias;
    }

    /** Creates the parameters {@code layer/kernel}, {@code layer/recurrent_kernel} and {@code layer/bias}. */
    static RecurrentCell create(Emitter e, SourceSpan at, Recurrent.Cell cell, String layer, Recurrent.Sequence s, int units,
                                Recurrent.Inits inits, TensorType like) {
        int gu = cell.gates * units;
        Value.Tensor kernel = e.parameter(layer + "/kernel", like.withShape(Shape.of(s.features(), gu)), inits.kernel(), true, at);
        Value.Tensor recurrent = e.parameter(layer + "/recurrent_kernel", like.withShape(Shape.of(units, gu)), inits.recurrent(), true, at);
        Shape biasShape = cell == Recurrent.Cell.GRU ? Shape.of(2, gu) : Shape.of(gu);
        Init biasInit = inits.bias() != null ? inits.bias() : defaultBias(cell, units);
        Value.Tensor bias = e.parameter(layer + "/bias", like.withShape(biasShape), biasInit, true, at);
        return new RecurrentCell(e, at, cell, s, units, kernel, recurrent, bias);
    }

    /** Zeros, but ones for the LSTM's forget gate (Keras's unit_forget_bias). */
    private static Init defaultBias(Recurrent.Cell cell, int units) {
        if (cell != Recurrent.Cell.LSTM) return new Init.Zeros();
        double[] values = new double[4 * units];
        Arrays.fill(values, units, 2 * units, 1.0);
        return new Init.Values(values);
    }

    /**
     * The hidden state after each step, in the order the steps run (t = T-1 first when backwards);
     * the last one is named {@code lastName} (or unnamed when null).
     */
    List<Value.Tensor> unroll(Value.Tensor x, boolean backwards, String lastName) {
        int gu = cell.gates * units, time = s.time();
        Value.Tensor image = op(new Op.Reshape(Shape.of(s.batch(), Dim.of(1), Dim.of(time), Dim.of(s.features()))), x);
        Value.Tensor filters = op(new Op.Reshape(Shape.of(gu, 1, 1, s.features())), op(new Op.Transpose(List.of(1, 0)), kernel));
        Value.Tensor projected = op(new Op.Conv2d(1, Padding.NONE), image, filters);
        Value.Tensor inputBias = cell == Recurrent.Cell.GRU ? op(new Op.Slice(0, 0, 1), bias) : bias;
        projected = binary(BinaryFn.ADD, projected, op(new Op.Reshape(Shape.of(gu, 1, 1)), inputBias));
        Value.Tensor recurrentBias = cell == Recurrent.Cell.GRU ? op(new Op.Reshape(Shape.of(gu)), op(new Op.Slice(0, 1, 2), bias)) : null;

        List<Value.Tensor> hs = new ArrayList<>();
        Value.Tensor h = null, c = null;
        for (int step = 0; step < time; step++) {
            int t = backwards ? time - 1 - step : step;
            String name = step == time - 1 ? lastName : null;
            Value.Tensor xt = op(new Op.Reshape(Shape.of(s.batch(), Dim.of(gu))), op(new Op.Slice(2, t, t + 1), projected));
            switch (cell) {
                case SIMPLE_RNN -> h = unary(UnaryFn.TANH, h == null ? xt : binary(BinaryFn.ADD, product(h), xt), name);
                case LSTM -> {
                    Value.Tensor z = h == null ? xt : binary(BinaryFn.ADD, product(h), xt);
                    Value.Tensor i = unary(UnaryFn.SIGMOID, gate(z, 0), null), g = unary(UnaryFn.TANH, gate(z, 2), null);
                    Value.Tensor o = unary(UnaryFn.SIGMOID, gate(z, 3), null);
                    Value.Tensor ig = binary(BinaryFn.MUL, i, g);
                    c = c == null ? ig : binary(BinaryFn.ADD, binary(BinaryFn.MUL, unary(UnaryFn.SIGMOID, gate(z, 1), null), c), ig);
                    h = e.add(new Op.Binary(BinaryFn.MUL), name, at, o, unary(UnaryFn.TANH, c, null));
                }
                case GRU -> {
                    // reset_after: the reset gate scales the recurrent projection (bias included), not h
                    Value.Tensor inner = h == null ? recurrentBias : binary(BinaryFn.ADD, product(h), recurrentBias);
                    Value.Tensor z = unary(UnaryFn.SIGMOID, binary(BinaryFn.ADD, gate(xt, 0), gate(inner, 0)), null);
                    Value.Tensor r = unary(UnaryFn.SIGMOID, binary(BinaryFn.ADD, gate(xt, 1), gate(inner, 1)), null);
                    Value.Tensor candidate = unary(UnaryFn.TANH, binary(BinaryFn.ADD, gate(xt, 2), binary(BinaryFn.MUL, r, gate(inner, 2))), null);
                    // h = z h_prev + (1 - z) candidate = candidate + z (h_prev - candidate)
                    h = h == null ? e.add(new Op.Binary(BinaryFn.SUB), name, at, candidate, binary(BinaryFn.MUL, z, candidate))
                            : e.add(new Op.Binary(BinaryFn.ADD), name, at, candidate, binary(BinaryFn.MUL, z, binary(BinaryFn.SUB, h, candidate)));
                }
            }
            hs.add(h);
        }
        return hs;
    }

    /** Stacks per-step states [B, U] into a sequence [B, T, U]. */
    static Value.Tensor stack(Emitter e, SourceSpan at, List<Value.Tensor> hs, Dim batch, int units, String name) {
        Value.Tensor[] rows = new Value.Tensor[hs.size()];
        for (int t = 0; t < rows.length; t++) rows[t] = e.add(new Op.Reshape(Shape.of(batch, Dim.of(1), Dim.of(units))), null, at, hs.get(t));
        return e.add(new Op.Concat(1), name, at, rows);
    }

    /** Bidirectional's merge of the forward and the (re-reversed) backward output. */
    static Value.Tensor merge(Emitter e, SourceSpan at, String mode, Value.Tensor forward, Value.Tensor backward, String name) {
        int last = forward.type().rank() - 1;
        return switch (mode) {
            case "sum" -> e.add(new Op.Binary(BinaryFn.ADD), name, at, forward, backward);
            case "mul" -> e.add(new Op.Binary(BinaryFn.MUL), name, at, forward, backward);
            case "ave" -> e.add(new Op.Binary(BinaryFn.MUL), name, at, e.add(new Op.Binary(BinaryFn.ADD), null, at, forward, backward),
                    e.scalar(0.5, forward.type()));
            default -> e.add(new Op.Concat(last), name, at, forward, backward);
        };
    }

    /** h [B, U] x recurrent_kernel [U, G*U]: every gate's recurrent product in one GEMM. */
    private Value.Tensor product(Value.Tensor h) { return op(new Op.MatMul(false, false), h, recurrent); }

    /** Gate k's columns of a [B, G*U] (or [G*U]) value. */
    private Value.Tensor gate(Value.Tensor z, int k) {
        int axis = z.type().rank() - 1;
        return cell.gates == 1 ? z : op(new Op.Slice(axis, k * units, (k + 1) * units), z);
    }

    private Value.Tensor op(Op op, Value.Tensor... in) { return e.add(op, null, at, in); }

    private Value.Tensor unary(UnaryFn fn, Value.Tensor x, String name) { return e.add(new Op.Unary(fn), name, at, x); }

    private Value.Tensor binary(BinaryFn fn, Value.Tensor a, Value.Tensor b) { return e.add(new Op.Binary(fn), null, at, a, b); }
}
