package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonTest {
    final ObjectMapper mapper = new ObjectMapper();

    @Test
    void historyAndFinalValuesRoundTrip(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("runs/metrics.json"); // parent directory does not exist yet
        TrainOptions options = TrainerTest.options(3).withMetricsJson(file);
        TrainResult result = Trainer.train(TrainerTest.initialised(1), TrainerTest.GRAPH, TrainerTest.SPEC, TrainerTest.DATA,
                options, new TrainerTest.Console().out);

        JsonNode root = mapper.readTree(file.toFile());
        assertEquals("netc-metrics/1", root.get("format").asText());
        assertEquals("epochs", root.get("mode").asText());
        assertTrue(root.get("completed").asBoolean());
        assertEquals(32, root.get("batch").asInt());
        assertEquals(7, root.get("seed").asLong());
        assertEquals(31, root.get("steps_per_epoch").asInt());
        assertEquals(93, root.get("total_steps").asInt());
        assertEquals("blobs-test", root.get("test_dataset").asText());
        JsonNode history = root.get("history");
        assertEquals(3, history.size());
        for (int i = 0; i < 3; i++) {
            HistoryEntry expected = result.history().get(i);
            JsonNode e = history.get(i);
            assertEquals(i + 1, e.get("epoch").asInt());
            assertEquals(31 * (i + 1), e.get("step").asInt());
            assertEquals(expected.trainLoss(), e.get("train_loss").asDouble());
            assertEquals(expected.trainAccuracy().getAsDouble(), e.get("train_accuracy").asDouble());
            assertEquals(expected.test().get().loss(), e.get("test_loss").asDouble());
            assertEquals(expected.test().get().accuracy().getAsDouble(), e.get("test_accuracy").asDouble());
            assertTrue(e.get("images_per_second").asDouble() > 0);
        }
        JsonNode fin = root.get("final");
        assertEquals(result.test().get().accuracy().getAsDouble(), fin.get("test_accuracy").asDouble());
        assertEquals(result.test().get().loss(), fin.get("test_loss").asDouble());
        assertEquals(result.firstTrainLoss(), fin.get("first_train_loss").asDouble());
        assertEquals(result.lastTrainLoss(), fin.get("last_train_loss").asDouble());
        assertEquals(93, fin.get("steps").asInt());
        assertEquals(result.wallSeconds(), fin.get("wall_seconds").asDouble());
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temp files left beside the metrics file");
        }
    }

    @Test
    void divergenceLeavesAnIncompleteFileWithTheError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.json");
        SoftmaxRegressionModel model = TrainerTest.initialised(1);
        model.poisonAtTrainingForward = 70;
        assertThrows(TrainingDivergedException.class, () -> Trainer.train(model, TrainerTest.GRAPH, TrainerTest.SPEC,
                TrainerTest.DATA, TrainerTest.options(3).withMetricsJson(file), new TrainerTest.Console().out));

        JsonNode root = mapper.readTree(file.toFile());
        assertFalse(root.get("completed").asBoolean());
        assertEquals("loss became NaN at step 70 (epoch 3)", root.get("error").asText());
        assertEquals(2, root.get("history").size(), "the two finished epochs are kept");
        assertFalse(root.has("final"));
    }
}
