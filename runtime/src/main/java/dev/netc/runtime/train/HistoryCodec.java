package dev.netc.runtime.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The training history as a compact JSON string, so a checkpoint can carry the history of the run
 * that wrote it and a resumed run reports (and plots) the whole run. Doubles round-trip exactly.
 */
final class HistoryCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private HistoryCodec() {}

    static String encode(List<HistoryEntry> history) {
        ArrayNode array = MAPPER.createArrayNode();
        for (HistoryEntry h : history) {
            ObjectNode e = array.addObject();
            e.put("epoch", h.epoch());
            e.put("step", h.step());
            e.put("train_loss", h.trainLoss());
            h.trainAccuracy().ifPresent(a -> e.put("train_accuracy", a));
            h.test().ifPresent(t -> {
                ObjectNode test = e.putObject("test");
                test.put("loss", t.loss());
                t.accuracy().ifPresent(a -> test.put("accuracy", a));
                test.put("examples", t.examples());
            });
            e.put("seconds", h.seconds());
            e.put("images_per_second", h.imagesPerSecond());
        }
        try {
            return MAPPER.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the history", e);
        }
    }

    /** Parses {@link #encode}'s output; throws IllegalArgumentException when it is not that. */
    static List<HistoryEntry> decode(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("history is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException("history must be a JSON array");
        List<HistoryEntry> history = new ArrayList<>();
        for (JsonNode e : root) {
            Optional<Evaluation> test = Optional.empty();
            JsonNode t = e.get("test");
            if (t != null)
                test = Optional.of(new Evaluation(number(t, "loss"), optional(t, "accuracy"), (int) number(t, "examples")));
            history.add(new HistoryEntry((int) number(e, "epoch"), (int) number(e, "step"), number(e, "train_loss"),
                    optional(e, "train_accuracy"), test, number(e, "seconds"), number(e, "images_per_second")));
        }
        return history;
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("history entry lacks number '" + key + "'");
        return v.asDouble();
    }

    private static OptionalDouble optional(JsonNode node, String key) {
        return node.has(key) ? OptionalDouble.of(number(node, key)) : OptionalDouble.empty();
    }
}
