package dev.netc.runtime.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netc.runtime.distributed.CommunicationReport;
import dev.netc.runtime.io.AtomicFiles;
import dev.netc.runtime.io.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code --metrics FILE.json} document: run settings, the history so far, and, once training has
 * finished, the final values. Rewritten atomically after every history entry so it can be watched live.
 * Snake_case keys; accuracies are absent when the model has no class scores.
 */
final class MetricsJson {
    static final String FORMAT = "netc-metrics/1";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Run-wide facts that head the document. */
    record Run(String mode, int batch, double learningRate, long seed, int stepsPerEpoch, int totalSteps,
               String trainDataset, int trainExamples, Optional<String> testDataset) {}

    private MetricsJson() {}

    static void write(Path file, Run run, List<HistoryEntry> history, Optional<TrainResult> result, Optional<String> error) {
        write(file, run, history, result, error, Optional.empty());
    }

    /** Same, with a data-parallel run's communication figures under {@code "distributed"}. */
    static void write(Path file, Run run, List<HistoryEntry> history, Optional<TrainResult> result, Optional<String> error,
                      Optional<CommunicationReport> communication) {
        try {
            ObjectNode root = render(run, history, result, error);
            communication.ifPresent(c -> putCommunication(root.putObject("distributed"), c));
            AtomicFiles.write(file, MAPPER.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics file " + file + ": " + IoErrors.describe(e, file), e);
        }
    }

    static ObjectNode render(Run run, List<HistoryEntry> history, Optional<TrainResult> result, Optional<String> error) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("mode", run.mode());
        root.put("batch", run.batch());
        root.put("learning_rate", run.learningRate());
        root.put("seed", run.seed());
        root.put("steps_per_epoch", run.stepsPerEpoch());
        root.put("total_steps", run.totalSteps());
        root.put("train_dataset", run.trainDataset());
        root.put("train_examples", run.trainExamples());
        run.testDataset().ifPresent(t -> root.put("test_dataset", t));
        root.put("completed", result.isPresent());
        error.ifPresent(e -> root.put("error", e));
        ArrayNode entries = root.putArray("history");
        for (HistoryEntry h : history) {
            ObjectNode e = entries.addObject();
            e.put("epoch", h.epoch());
            e.put("step", h.step());
            e.put("train_loss", h.trainLoss());
            h.trainAccuracy().ifPresent(a -> e.put("train_accuracy", a));
            h.test().ifPresent(t -> putEvaluation(e, "test_", t));
            e.put("seconds", h.seconds());
            e.put("images_per_second", h.imagesPerSecond());
        }
        result.ifPresent(r -> {
            ObjectNode f = root.putObject("final");
            if (!r.history().isEmpty()) {
                HistoryEntry last = r.history().getLast();
                f.put("train_loss", last.trainLoss());
                last.trainAccuracy().ifPresent(a -> f.put("train_accuracy", a));
            }
            r.test().ifPresent(t -> putEvaluation(f, "test_", t));
            f.put("first_train_loss", r.firstTrainLoss());
            f.put("last_train_loss", r.lastTrainLoss());
            f.put("steps", r.steps());
            f.put("wall_seconds", r.wallSeconds());
            f.put("images_per_second", r.imagesPerSecond());
        });
        return root;
    }

    private static void putCommunication(ObjectNode d, CommunicationReport c) {
        d.put("ranks", c.ranks());
        d.put("global_batch", c.globalBatch());
        d.put("rank_batch", c.rankBatch());
        d.put("bucket_bytes", c.bucketBytes());
        d.put("allreduces_per_step", c.allreducesPerStep());
        d.put("bytes_per_step", c.bytesPerStep());
        d.put("ring_bytes_per_step", c.ringBytesPerStep());
        d.put("steps", c.steps());
        d.put("allreduces", c.allreduces());
        d.put("bytes", c.bytes());
        d.put("allreduce_seconds", c.allreduceSeconds());
        d.put("train_seconds", c.trainSeconds());
        d.put("compute_seconds_per_step", c.computeSecondsPerStep());
        d.put("allreduce_seconds_per_step", c.allreduceSecondsPerStep());
        d.put("overlap", c.overlap());
        d.put("library", c.library());
    }

    private static void putEvaluation(ObjectNode node, String prefix, Evaluation e) {
        node.put(prefix + "loss", e.loss());
        e.accuracy().ifPresent(a -> node.put(prefix + "accuracy", a));
    }
}
