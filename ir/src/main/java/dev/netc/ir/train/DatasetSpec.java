package dev.netc.ir.train;

import java.util.Map;

/** A dataset named in a train block ("mnist", "spirals") with its arguments (numbers or strings). */
public record DatasetSpec(String name, Map<String, Object> arguments) {
    public DatasetSpec { arguments = Map.copyOf(arguments); }

    public double number(String key, double fallback) {
        return arguments.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }
}
