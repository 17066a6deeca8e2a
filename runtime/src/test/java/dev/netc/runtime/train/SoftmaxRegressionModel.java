package dev.netc.runtime.train;

import dev.netc.api.GeneratedModel;
import dev.netc.ir.BinaryFn;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.GraphBuilder;
import dev.netc.ir.Init;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import dev.netc.ir.ShapeError;
import dev.netc.ir.TensorType;
import dev.netc.ir.UnaryFn;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A hand-written stand-in for a generated model: softmax regression (logits = x w + b, mean
 * cross-entropy, plain SGD), with the buffer names a generated class would use. Records how the
 * runtime drives it so tests can check the calls.
 */
final class SoftmaxRegressionModel implements GeneratedModel {
    final int inputs;
    final int classes;
    final boolean oneHotLabels;
    final float[] w, b, gradW, gradB;
    final float[] loss = new float[1];
    float[] x, yOneHot, logits, probabilities;
    int[] y;
    int batch;
    /** forward(true) calls so far; when it reaches poisonAtTrainingForward the loss comes out NaN. */
    int trainingForwards;
    int poisonAtTrainingForward = -1;
    /** When update reaches this step, w[0] becomes +infinity after it (a finite loss, a poisoned parameter). */
    int poisonWeightAtUpdate = -1;
    final List<Boolean> forwardModes = new ArrayList<>();
    final List<Integer> updateSteps = new ArrayList<>();
    long seed;

    SoftmaxRegressionModel(int inputs, int classes, boolean oneHotLabels) {
        this.inputs = inputs;
        this.classes = classes;
        this.oneHotLabels = oneHotLabels;
        w = new float[inputs * classes];
        b = new float[classes];
        gradW = new float[inputs * classes];
        gradB = new float[classes];
    }

    /** The IR this model implements: inputs x f32 [B, d] and y (i32 [B] or f32 [B, k]), outputs logits and loss. */
    static Graph graph(int inputs, int classes, boolean oneHotLabels) {
        try {
            GraphBuilder g = new GraphBuilder();
            Dim batch = Dim.sym("B");
            int x = g.input("x", new TensorType(DType.F32, Shape.of(batch, Dim.of(inputs))));
            int y = oneHotLabels ? g.input("y", new TensorType(DType.F32, Shape.of(batch, Dim.of(classes))))
                    : g.input("y", new TensorType(DType.I32, Shape.of(batch)));
            int w = g.parameter("w", TensorType.f32(inputs, classes), new Init.GlorotUniform(), true);
            int b = g.parameter("b", TensorType.f32(classes), new Init.Zeros(), true);
            int logits = g.add(new Op.Binary(BinaryFn.ADD), "logits", g.add(new Op.MatMul(false, false), null, x, w), b);
            int logProbs = g.add(new Op.LogSoftmax(1), null, logits);
            int target = oneHotLabels ? y : g.add(new Op.OneHot(classes), null, y);
            int picked = g.add(new Op.Reduce(ReduceFn.SUM, List.of(1), false), null, g.add(new Op.Binary(BinaryFn.MUL), null, logProbs, target));
            int loss = g.add(new Op.Unary(UnaryFn.NEG), "loss", g.add(new Op.Reduce(ReduceFn.MEAN, List.of(0), false), null, picked));
            g.output("logits", logits);
            g.output(Graph.LOSS, loss);
            return g.build();
        } catch (ShapeError e) {
            throw new AssertionError(e);
        }
    }

    static TrainSpec spec(int batch, List<String> metrics) {
        return new TrainSpec(new OptimizerSpec.Sgd(0.5, 0, false, 0), batch, OptionalInt.of(1), OptionalInt.empty(),
                Optional.empty(), "x", "y", metrics);
    }

    @Override public void setBatch(int n) {
        batch = n;
        x = new float[n * inputs];
        yOneHot = new float[n * classes];
        y = new int[n];
        logits = new float[n * classes];
        probabilities = new float[n * classes];
    }

    @Override public int batch() { return batch; }

    @Override public float[] floatBuffer(String name) {
        return switch (name) {
            case "x" -> x;
            case "y" -> {
                if (!oneHotLabels) throw new IllegalArgumentException("y is an i32 buffer");
                yield yOneHot;
            }
            case "w" -> w;
            case "b" -> b;
            case "logits" -> logits;
            case "loss" -> loss;
            case "grad/w" -> gradW;
            case "grad/b" -> gradB;
            default -> throw new IllegalArgumentException("no f32 buffer " + name);
        };
    }

    @Override public int[] intBuffer(String name) {
        if (name.equals("y") && !oneHotLabels) return y;
        throw new IllegalArgumentException("no i32 buffer " + name);
    }

    @Override public void predict() {
        for (int r = 0; r < batch; r++)
            for (int c = 0; c < classes; c++) {
                float s = b[c];
                for (int i = 0; i < inputs; i++) s += x[r * inputs + i] * w[i * classes + c];
                logits[r * classes + c] = s;
            }
    }

    @Override public void forward(boolean training) {
        forwardModes.add(training);
        if (training) trainingForwards++;
        predict();
        double total = 0;
        for (int r = 0; r < batch; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c] - max);
            for (int c = 0; c < classes; c++) probabilities[r * classes + c] = (float) (Math.exp(logits[r * classes + c] - max) / sum);
            int label = label(r);
            total -= logits[r * classes + label] - max - Math.log(sum);
        }
        loss[0] = training && trainingForwards == poisonAtTrainingForward ? Float.NaN : (float) (total / batch);
    }

    private int label(int row) {
        if (!oneHotLabels) return y[row];
        for (int c = 0; c < classes; c++) if (yOneHot[row * classes + c] == 1f) return c;
        throw new IllegalStateException("row " + row + " of the one-hot labels has no 1");
    }

    @Override public void backward() {
        java.util.Arrays.fill(gradW, 0f);
        java.util.Arrays.fill(gradB, 0f);
        for (int r = 0; r < batch; r++) {
            int label = label(r);
            for (int c = 0; c < classes; c++) {
                float d = (probabilities[r * classes + c] - (c == label ? 1f : 0f)) / batch;
                gradB[c] += d;
                for (int i = 0; i < inputs; i++) gradW[i * classes + c] += x[r * inputs + i] * d;
            }
        }
    }

    @Override public void update(float learningRate, int step) {
        updateSteps.add(step);
        for (int i = 0; i < w.length; i++) w[i] -= learningRate * gradW[i];
        for (int i = 0; i < b.length; i++) b[i] -= learningRate * gradB[i];
        if (step == poisonWeightAtUpdate) w[0] = Float.POSITIVE_INFINITY;
    }

    @Override public void setSeed(long s) { seed = s; }

    @Override public Map<String, float[]> optimizerState() { return Map.of(); }
}
