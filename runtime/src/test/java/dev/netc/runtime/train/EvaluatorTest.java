package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.data.Dataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    @Test
    void coversEveryExampleInChunksWithAFinalSmallerOne() {
        Graph graph = SoftmaxRegressionModel.graph(2, 3, false);
        TrainSpec spec = SoftmaxRegressionModel.spec(32, List.of("accuracy"));
        Dataset data = ToyData.blobs("blobs", 2500, 11);
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        ParameterInitializer.initialize(model, graph, 4);
        model.setBatch(32);

        Evaluation e = Evaluator.evaluate(model, graph, spec, data);

        assertEquals(List.of(false, false, false), model.forwardModes, "1000 + 1000 + 500, dropout off");
        assertEquals(32, model.batch(), "the training batch is restored");
        assertEquals(2500, e.examples());
        // The same numbers computed here example by example.
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < 2500; i++) {
            double[] logits = new double[3];
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int c = 0; c < 3; c++) {
                logits[c] = model.b[c] + data.features()[2 * i] * model.w[c] + data.features()[2 * i + 1] * model.w[3 + c];
                if (logits[c] > logits[best]) best = c;
                max = Math.max(max, logits[c]);
            }
            double sum = 0;
            for (double l : logits) sum += Math.exp(l - max);
            loss -= logits[data.labels()[i]] - max - Math.log(sum);
            if (best == data.labels()[i]) correct++;
        }
        assertEquals(loss / 2500, e.loss(), 1e-5);
        assertEquals(correct / 2500.0, e.accuracy().getAsDouble(), 1e-12);
        assertTrue(e.accuracy().getAsDouble() < 1, "a random model is not perfect");
    }

    @Test
    void noAccuracyWithoutClassScores() {
        Graph graph = SoftmaxRegressionModel.graph(2, 3, false);
        Graph lossOnly = new Graph(graph.nodes(), java.util.Map.of(Graph.LOSS, graph.output(Graph.LOSS).get()));
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(2, 3, false);
        model.setBatch(10);
        Evaluation e = Evaluator.evaluate(model, lossOnly, SoftmaxRegressionModel.spec(10, List.of()), ToyData.blobs("b", 10, 1));
        assertTrue(e.accuracy().isEmpty());
        assertEquals(Math.log(3), e.loss(), 1e-6, "all-zero weights give uniform probabilities");
    }

    @Test
    void firstMaximumWinsTies() {
        float[] scores = {1, 1, 0, 0, 2, 2};
        assertEquals(2, Evaluator.correct(scores, 3, new int[] {0, 1}, 0, 2));
        assertEquals(0, Evaluator.correct(scores, 3, new int[] {1, 2}, 0, 2));
    }
}
