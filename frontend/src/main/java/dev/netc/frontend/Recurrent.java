package dev.netc.frontend;

import dev.netc.ir.Dim;
import dev.netc.ir.Init;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras's recurrent layers: {@code simple_rnn}, {@code lstm}, {@code gru} (the default
 * {@code reset_after=True} form) and {@code bidirectional}. A layer reads a sequence [B, T, F] whose
 * time T and features F are known, and returns the last hidden state [B, U] or, with
 * {@code return_sequences=true}, every one, [B, T, U].
 *
 * <p>The recurrence is unrolled over the static time axis into primitive ops ({@link RecurrentCell}),
 * so autodiff, the float64 reference, fusion and both backends need nothing of their own; the graph
 * grows linearly in T. Parameters and their Keras defaults: {@code kernel} [F, G*U] (glorot_uniform),
 * {@code recurrent_kernel} [U, G*U] (orthogonal) and {@code bias} (zeros; LSTM's forget gate ones,
 * Keras's {@code unit_forget_bias}; GRU's [2, 3U], an input and a recurrent bias), G the gate count
 * (1, 4, 3); Keras's gate order (LSTM i, f, c, o; GRU z, r, h).
 */
final class Recurrent {
    private Recurrent() {}

    /** The cell kinds: gates per unit, Keras's class name, the layer-name prefix. */
    enum Cell {
        SIMPLE_RNN(1, "SimpleRNN", "simple_rnn"), LSTM(4, "LSTM", "lstm"), GRU(3, "GRU", "gru");

        final int gates;
        final String keras;
        final String prefix;

        Cell(int gates, String keras, String prefix) {
            this.gates = gates;
            this.keras = keras;
            this.prefix = prefix;
        }

        /** Parameters for F input features and U units, as Keras counts them. */
        long params(int features, int units) {
            long weights = (long) gates * units * (features + units);
            return weights + switch (this) {
                case SIMPLE_RNN, LSTM -> (long) gates * units;
                case GRU -> 2L * gates * units;
            };
        }
    }

    /** The parameters every recurrent layer takes after x and units. */
    static final List<String> PARAMETERS = List.of("x", "units", "return_sequences?", "go_backwards?", "kernel_init?",
            "recurrent_init?", "bias_init?", "name?");

    static Value simpleRnn(Emitter e, Frame f, Args a, String name) { return layer(e, f, a, name, Cell.SIMPLE_RNN); }

    static Value lstm(Emitter e, Frame f, Args a, String name) { return layer(e, f, a, name, Cell.LSTM); }

    static Value gru(Emitter e, Frame f, Args a, String name) { return layer(e, f, a, name, Cell.GRU); }

    private static Value layer(Emitter e, Frame f, Args a, String name, Cell cell) {
        Value.Tensor x = a.tensor("x");
        Sequence s = sequence(a, cell.prefix, x);
        int units = a.positiveInt("units", 1);
        boolean sequences = a.bool("return_sequences", false), backwards = a.bool("go_backwards", false);
        String layer = Layers.layerName(f, a, cell.prefix);
        RecurrentCell run = RecurrentCell.create(e, a.span(), cell, layer, s, units, inits(a), x.type());
        List<Value.Tensor> hs = run.unroll(x, backwards, sequences ? null : name);
        // Keras returns a backward layer's sequence in the order it was processed.
        Value.Tensor out = sequences ? RecurrentCell.stack(e, a.span(), hs, s.batch(), units, name) : hs.getLast();
        e.row(layer, cell.keras, out.type().shape(), cell.params(s.features(), units), 0);
        return out;
    }

    /**
     * {@code bidirectional(x, lstm, 64, merge=concat, return_sequences=false)}: Keras's Bidirectional
     * around a recurrent layer; the backward layer reads the sequence reversed and its outputs are
     * reversed back before merging ({@code concat}, {@code sum}, {@code mul} or {@code ave}).
     */
    static Value bidirectional(Emitter e, Frame f, Args a, String name) {
        Value.Tensor x = a.tensor("x");
        String kind = a.word("layer", "lstm", "lstm", "gru", "simple_rnn");
        Cell cell = switch (kind) {
            case "gru" -> Cell.GRU;
            case "simple_rnn" -> Cell.SIMPLE_RNN;
            default -> Cell.LSTM;
        };
        Sequence s = sequence(a, "bidirectional", x);
        int units = a.positiveInt("units", 1);
        boolean sequences = a.bool("return_sequences", false);
        String merge = a.word("merge", "concat", "concat", "sum", "mul", "ave");
        String layer = Layers.layerName(f, a, "bidirectional");
        Inits inits = inits(a);
        List<Value.Tensor> forward = RecurrentCell.create(e, a.span(), cell, layer + "/forward_" + cell.prefix, s, units, inits, x.type())
                .unroll(x, false, null);
        List<Value.Tensor> backward = new ArrayList<>(RecurrentCell.create(e, a.span(), cell, layer + "/backward_" + cell.prefix, s,
                units, inits, x.type()).unroll(x, true, null)).reversed();
        Value.Tensor out;
        if (sequences) {
            List<Value.Tensor> merged = new ArrayList<>();
            for (int t = 0; t < s.time(); t++) merged.add(RecurrentCell.merge(e, a.span(), merge, forward.get(t), backward.get(t), null));
            out = RecurrentCell.stack(e, a.span(), merged, s.batch(), merge.equals("concat") ? 2 * units : units, name);
        } else {
            // the backward layer's last state is the one it reached at t = 0
            out = RecurrentCell.merge(e, a.span(), merge, forward.getLast(), backward.getFirst(), name);
        }
        e.row(layer, "Bidirectional", out.type().shape(), 2 * cell.params(s.features(), units), 0);
        return out;
    }

    /** The parameters after x for bidirectional. */
    static final List<String> BIDIRECTIONAL_PARAMETERS = List.of("x", "layer", "units", "merge?", "return_sequences?", "kernel_init?",
            "recurrent_init?", "bias_init?", "name?");

    /** A sequence's batch dimension, time steps and features. */
    record Sequence(Dim batch, int time, int features) {}

    /** The initialisers a layer was given (Keras's defaults otherwise); a null bias means Keras's own (with LSTM's forget ones). */
    record Inits(Init kernel, Init recurrent, Init bias) {}

    private static Inits inits(Args a) {
        return new Inits(a.init("kernel_init", new Init.GlorotUniform()), a.init("recurrent_init", new Init.Orthogonal()),
                a.has("bias_init") ? a.init("bias_init", new Init.Zeros()) : null);
    }

    /** Checks that x is a float [batch, time, features] with time and features known; the errors name both. */
    private static Sequence sequence(Args a, String layer, Value.Tensor x) {
        Shape xs = x.type().shape();
        if (!x.type().dtype().isFloat()) throw a.error("x", "input must be a float sequence [batch, time, features], got " + x.type());
        if (xs.rank() != 3)
            throw new UserError(a.span("x"), layer + ": input must be a sequence [batch, time, features], got " + xs
                    + " (rank " + xs.rank() + ")", xs.rank() == 2 && xs.dim(1) instanceof Dim.Known k
                    ? List.of("a [B, " + k.size() + "] value has no time axis: reshape it, e.g. reshape(x, [B, T, " + k.size() + " / T]),"
                            + " or use embedding() on token ids")
                    : List.of("reshape it to [batch, time, features] first"));
        if (!(xs.dim(1) instanceof Dim.Known time))
            throw a.error("x", "the time dimension (axis 1) of " + xs + " must be known at compile time, got '" + xs.dim(1) + "'");
        if (!(xs.dim(2) instanceof Dim.Known features))
            throw a.error("x", "the feature dimension (axis 2) of " + xs + " must be known at compile time, got '" + xs.dim(2) + "'");
        if (time.size() == 0 || features.size() == 0)
            throw a.error("x", "the sequence " + xs + " is empty: time " + time.size() + ", features " + features.size());
        return new Sequence(xs.dim(0), time.size(), features.size());
    }
}
