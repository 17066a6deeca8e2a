package dev.netc.runtime.train;

import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Shape;
import dev.netc.ir.train.TrainSpec;
import dev.netc.compiler.OutputBuffers;
import dev.netc.runtime.data.Dataset;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Which model buffers a dataset feeds and which one holds the class scores, resolved once from the
 * graph and the train block and checked against a dataset.
 *
 * @param featuresInput    the f32 input of shape [B, ...] the examples go into
 * @param exampleSize      values per example that input takes (product of its non-batch dimensions)
 * @param labelsInput      the input the labels go into
 * @param oneHotClasses    0 when the labels input is i32 [B] (class indices); K when it is f32 [B, K] (one-hot)
 * @param scoresOutput     the buffer name of the first model output (not the loss, a gradient or an update) when
 *                         it has shape f32 [B, K] ({@link OutputBuffers#bufferName}: the output's own node)
 * @param scoreClasses     K of {@code scoresOutput}, or 0 when there is none
 */
public record ModelBinding(String featuresInput, int exampleSize, String labelsInput, int oneHotClasses,
                           Optional<String> scoresOutput, int scoreClasses) {

    /** Resolves the binding for a model and its train block; the metrics it asks for must be computable. */
    public static ModelBinding resolve(Graph graph, TrainSpec spec) {
        if (graph.output(Graph.LOSS).isEmpty())
            throw new TrainingSetupException("the model has no '" + Graph.LOSS + "' output to train on");
        Node features = graph.inputNamed(spec.featuresInput()).orElseThrow(() -> new TrainingSetupException(
                "the model has no input named '" + spec.featuresInput() + "' (the train block's features input)"));
        Shape fs = features.type().shape();
        if (features.type().dtype() != DType.F32 || fs.rank() < 1 || fs.dim(0).isKnown()
                || !new Shape(fs.dims().subList(1, fs.rank())).isFullyKnown())
            throw new TrainingSetupException("features input '" + spec.featuresInput() + "' must be f32 [B, ...] with the batch first "
                    + "and every other dimension known, got " + features.type());
        int exampleSize = (int) new Shape(fs.dims().subList(1, fs.rank())).elementCount(Map.of());

        Node labels = graph.inputNamed(spec.labelsInput()).orElseThrow(() -> new TrainingSetupException(
                "the model has no input named '" + spec.labelsInput() + "' (the train block's labels input)"));
        Shape ls = labels.type().shape();
        int oneHot;
        if (labels.type().dtype() == DType.I32 && ls.rank() == 1 && !ls.dim(0).isKnown()) oneHot = 0;
        else if (labels.type().dtype() == DType.F32 && ls.rank() == 2 && !ls.dim(0).isKnown() && ls.dim(1) instanceof Dim.Known k)
            oneHot = k.size();
        else throw new TrainingSetupException("labels input '" + spec.labelsInput() + "' must be i32 [B] (class indices) or f32 [B, K] "
                    + "(one-hot), got " + labels.type());

        // The prediction is the model's first output, found as a node: its name may also be an input's
        // or parameter's (x = dense(x, 2); output x), so the buffer is read by OutputBuffers' name for it.
        Optional<String> scores = Optional.empty();
        int scoreClasses = 0;
        var outputs = OutputBuffers.modelOutputs(graph);
        if (!outputs.isEmpty()) {
            var first = outputs.getFirst();
            Node out = graph.node(first.getValue());
            Shape s = out.type().shape();
            if (out.type().dtype() == DType.F32 && s.rank() == 2 && !s.dim(0).isKnown() && s.dim(1) instanceof Dim.Known k) {
                scores = Optional.of(OutputBuffers.bufferName(graph, first.getKey()));
                scoreClasses = k.size();
            }
        }
        for (String metric : spec.metrics()) {
            if (!metric.equals("accuracy"))
                throw new TrainingSetupException("unknown metric '" + metric + "' (known: accuracy)");
            if (scores.isEmpty())
                throw new TrainingSetupException("metric accuracy needs the model's first output to be class scores f32 [B, K]");
        }
        return new ModelBinding(spec.featuresInput(), exampleSize, spec.labelsInput(), oneHot, scores, scoreClasses);
    }

    /** Whether accuracy can be measured (the model has class scores). */
    public boolean measuresAccuracy() { return scoresOutput.isPresent(); }

    /** Whether accuracy is measured on this dataset: class scores, and class labels rather than regression targets. */
    public boolean measuresAccuracy(Dataset data) { return measuresAccuracy() && !data.hasTargets(); }

    /** Checks that the dataset's examples and labels fit the model's inputs and outputs. */
    public void check(Dataset data) {
        if (data.exampleSize() != exampleSize)
            throw new TrainingSetupException("dataset " + data.name() + " has examples of shape " + Arrays.toString(data.exampleShape())
                    + " (" + data.exampleSize() + " values) but input '" + featuresInput + "' takes " + exampleSize + " values per example");
        if (data.hasTargets() && data.targetSize() != oneHotClasses)
            throw new TrainingSetupException("dataset " + data.name() + " has regression targets of " + data.targetSize()
                    + " value(s) per example, so labels input '" + labelsInput + "' must be f32 [B, " + data.targetSize() + "]");
        if (data.hasTargets()) return;
        if (oneHotClasses > 0 && data.classes() > oneHotClasses)
            throw new TrainingSetupException("dataset " + data.name() + " has " + data.classes() + " classes but labels input '"
                    + labelsInput + "' is one-hot over " + oneHotClasses);
        if (scoresOutput.isPresent() && data.classes() > scoreClasses)
            throw new TrainingSetupException("dataset " + data.name() + " has " + data.classes() + " classes but output '"
                    + scoresOutput.get().substring(scoresOutput.get().startsWith(OutputBuffers.ALIAS_PREFIX)
                    ? OutputBuffers.ALIAS_PREFIX.length() : 0) + "' scores only " + scoreClasses);
    }
}
