package dev.netc.runtime.train;

import dev.netc.ir.Graph;
import dev.netc.ir.train.LrPolicy;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.data.Dataset;
import dev.netc.runtime.data.DatasetRegistry;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

/**
 * What a training run's results depend on, as a checkpoint records it so that a resumed run can be
 * checked to be the same run: the model (a hash of its graph IR), the optimizer and its settings,
 * the learning rate, the dataset as the train block names it, the training data itself (a checksum of
 * the loaded examples and labels), and the caller's settings (backend, fusion). Seed and batch are
 * recorded by {@link dev.netc.runtime.checkpoint.TrainingState} directly.
 */
final class RunFacts {
    static final String LEARNING_RATE = "learning_rate";
    static final String DATASET = "dataset";
    static final String TRAINING_DATA = "training_data";

    /** How messages name each fact; keys not listed are named by their key. */
    private static final Map<String, String> DESCRIPTIONS = Map.of(LEARNING_RATE, "learning rate", DATASET, "dataset",
            TRAINING_DATA, "training data");

    private RunFacts() {}

    /** The facts besides model hash, optimizer, seed and batch (which the training state holds as fields). */
    static Map<String, String> of(TrainSpec spec, Dataset train, TrainOptions options) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(LEARNING_RATE, number(options.learningRate()));
        spec.dataset().ifPresent(d -> facts.put(DATASET, DatasetRegistry.describe(d)));
        facts.put(TRAINING_DATA, fingerprint(train));
        facts.putAll(options.settings());
        return facts;
    }

    static String modelHash(Graph graph) {
        return Checkpoints.modelHash(graph);
    }

    /** The optimizer and its settings as a train block would write them, without the learning rate (a fact of its own). */
    static String optimizer(OptimizerSpec optimizer) {
        List<String> args = new ArrayList<>();
        String name = switch (optimizer) {
            case OptimizerSpec.Sgd s -> {
                args.add("momentum=" + number(s.momentum()));
                args.add("nesterov=" + s.nesterov());
                args.add("decay=" + number(s.decay()));
                yield "sgd";
            }
            case OptimizerSpec.Adam a -> {
                args.add("beta1=" + number(a.beta1()));
                args.add("beta2=" + number(a.beta2()));
                args.add("epsilon=" + number(a.epsilon()));
                yield "adam";
            }
            case OptimizerSpec.RmsProp r -> {
                args.add("rho=" + number(r.rho()));
                args.add("epsilon=" + number(r.epsilon()));
                yield "rmsprop";
            }
            case OptimizerSpec.Adadelta d -> {
                args.add("rho=" + number(d.rho()));
                args.add("epsilon=" + number(d.epsilon()));
                yield "adadelta";
            }
        };
        LrPolicy policy = optimizer.policy();
        policy.stepDecay().ifPresent(s -> args.add("schedule=step_decay(step_size=" + s.stepSize() + ", gamma=" + number(s.gamma()) + ")"));
        if (!policy.groups().isEmpty())
            args.add("param_groups=[" + policy.groups().stream().map(g -> "group(\"" + g.pattern() + "\", lr=" + number(g.learningRate()) + ")")
                    .collect(Collectors.joining(", ")) + "]");
        return name + "(" + String.join(", ", args) + ")";
    }

    /** "160 examples of [2], 2 classes, crc32:0123abcd": the examples' values and labels, in order. */
    static String fingerprint(Dataset data) {
        CRC32 crc = new CRC32();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        float[] features = data.features();
        for (int from = 0; from < features.length; ) {
            int n = Math.min(chunk.capacity() / 4, features.length - from);
            chunk.clear();
            chunk.asFloatBuffer().put(features, from, n);
            crc.update(chunk.array(), 0, 4 * n);
            from += n;
        }
        int[] labels = data.labels();
        for (int from = 0; from < labels.length; ) {
            int n = Math.min(chunk.capacity() / 4, labels.length - from);
            chunk.clear();
            chunk.asIntBuffer().put(labels, from, n);
            crc.update(chunk.array(), 0, 4 * n);
            from += n;
        }
        float[] targets = data.hasTargets() ? data.targets() : new float[0];
        for (int from = 0; from < targets.length; ) {
            int n = Math.min(chunk.capacity() / 4, targets.length - from);
            chunk.clear();
            chunk.asFloatBuffer().put(targets, from, n);
            crc.update(chunk.array(), 0, 4 * n);
            from += n;
        }
        return String.format("%d examples of %s, %d classes, crc32:%08x", data.size(), Arrays.toString(data.exampleShape()), data.classes(),
                crc.getValue());
    }

    static String describe(String key) {
        return DESCRIPTIONS.getOrDefault(key, key);
    }

    /** A number as a train block writes it: 0.02, 200, 0.0000001. */
    static String number(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }
}
